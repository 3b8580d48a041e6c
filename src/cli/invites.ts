// `scanin invites …` (and the `scanin invite` shortcut): create, list, cancel.
import QRCode from 'qrcode';
import { systemClock } from '../clock.ts';
import { invite } from '../enrollment/invites.ts';
import { enrollmentUrl } from '../protocol/urls.ts';
import { cancelEnrollment, findEnrollment, listOpenEnrollments } from '../store/enrollments.ts';
import { inviteMail } from '../mail/templates.ts';
import { auditAdmin, formatTime, inviteIssuer, JSON_OPTION, printList, sendNow, withDatabase, type Command, type CommandGroup } from './shared.ts';

export const createInvite: Command = {
  summary: 'create the account if needed and print a one-time enrollment link',
  usage: `Usage: scanin invite <email> [--name "Full Name"]
       scanin invites create <email> [--name "Full Name"]

Creates the account (if there is none with this email) and an invite to bind a phone to it.
Prints the enrollment link as a QR code and, on the last line, as a URL. The link works once
and expires after INVITE_TTL seconds (default 7 days). A new invite cancels the person's
earlier open ones. --name on an existing account renames it (and says so).
With SMTP_URL set, the link is also mailed to the person (--no-mail: not); a message the SMTP
server does not take now stays queued, and a running Scanin sends it when it can.`,
  positionals: 1,
  options: { name: { type: 'string' }, 'no-mail': { type: 'boolean' } },
  async run([email], values) {
    const { result, url, mailed, transport } = await withDatabase(async (db, config) => {
      const result = await invite(db, systemClock, { email: email!, ...(typeof values.name === 'string' ? { name: values.name } : {}), ttl: config.inviteTtl });
      const { account, enrollment } = result;
      await auditAdmin(db, config, { event: 'admin.invite', account_id: account.id, detail: { eid: enrollment.eid, email: account.email, cancelled: result.cancelled, renamed: result.renamedFrom !== undefined } });
      const issuer = await inviteIssuer(db, config);
      const url = enrollmentUrl(issuer, result.enrollment.eid);
      const mail = inviteMail({ issuer, to: account.email, name: account.name, url, expiresAt: enrollment.expires_at });
      return { result, url, mailed: values['no-mail'] ? undefined : await sendNow(db, config, mail), transport: config.mail.transport };
    });
    if (mailed !== undefined) console.log(mailed ? (transport === 'log' ? `logged the invite mail to ${result.account.email} on stderr (SMTP_URL=log)` : `mailed the link to ${result.account.email}`) : `could not mail the link to ${result.account.email} now (the reason is above); it stays queued, and a running Scanin sends it when it can`);
    // Said before the QR code, so the last line stays the URL for scripts.
    if (result.created) console.log(`created ${result.account.email} (sub=${result.account.id})`);
    if (result.renamedFrom !== undefined) console.log(`renamed ${result.account.email}: "${result.renamedFrom}" → "${result.account.name}"`);
    if (result.cancelled) console.log(`cancelled ${result.cancelled} earlier invite(s) of ${result.account.email}`);
    console.log(await QRCode.toString(url, { type: 'terminal', small: true }));
    console.log(url);
    return 0;
  },
};

export const invites: CommandGroup = {
  summary: 'invites: create, list, cancel',
  subcommands: {
    create: createInvite,
    list: {
      summary: 'list the enrollment links still usable',
      usage: 'Usage: scanin invites list [--json]\n\nOpen (unused, unexpired) enrollments: eid, kind, email, created, expires.',
      positionals: 0,
      options: JSON_OPTION,
      async run(_args, values) {
        const rows = await withDatabase(async (db) => (await listOpenEnrollments(db, systemClock())).map(({ eid, kind, email, created_at, expires_at }) => ({ eid, kind, email, created_at, expires_at })));
        printList(rows, values, (row) => `${row.eid}\t${row.kind}\t${row.email}\tcreated ${formatTime(row.created_at)}\texpires ${formatTime(row.expires_at)}`, 'no open invites');
        return 0;
      },
    },
    cancel: {
      summary: 'cancel an open invite: its link stops working',
      usage: 'Usage: scanin invites cancel <eid>\n\nThe eid is the last part of the link (…/e/<eid>), as "scanin invites list" shows.',
      positionals: 1,
      options: {},
      async run([eid]) {
        await withDatabase(async (db, config) => {
          const enrollment = await findEnrollment(db, eid!);
          if (!enrollment || !(await cancelEnrollment(db, eid!, systemClock()))) throw new Error(`no open invite ${eid}`);
          await auditAdmin(db, config, { event: 'admin.invite_cancelled', account_id: enrollment.account_id, detail: { eid: eid! } });
        });
        console.log(`cancelled ${eid}`);
        return 0;
      },
    },
  },
};
