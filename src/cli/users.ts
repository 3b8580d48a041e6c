// `scanin users …`: list, show, create, rename, change email, disable, enable, recovery codes, delete.
import { systemClock } from '../clock.ts';
import { deleteAccount, disableAccount, enableAccount } from '../accounts/cutOff.ts';
import { parseAccountName, parseEmail } from '../enrollment/invites.ts';
import { listAccountSessions } from '../oidc/sessions.ts';
import { createAccount, listAccounts, updateAccount, type Account } from '../store/accounts.ts';
import type { Db } from '../store/db.ts';
import { listDevices } from '../store/devices.ts';
import { listOpenEnrollments } from '../store/enrollments.ts';
import { regenerateRecoveryCodes } from '../recovery/recovery.ts';
import { recoveryCodesLeft } from '../store/recoveryCodes.ts';
import { auditAdmin, formatTime, JSON_OPTION, printList, requireAccount, withDatabase, type CommandGroup } from './shared.ts';

const status = (account: Account) => (account.disabled_at === null ? 'active' : 'disabled');

async function summary(db: Db, account: Account) {
  const devices = await listDevices(db, account.id);
  return {
    sub: account.id,
    email: account.email,
    email_verified: account.email_verified,
    name: account.name,
    status: status(account),
    created_at: account.created_at,
    disabled_at: account.disabled_at,
    active_devices: devices.filter((device) => device.status === 'active').length,
  };
}

/** A command that changes one account, records it in the audit log as `admin.<event>`, and prints what it did. */
function change(event: string, summaryText: string, usage: string, positionals: number, action: (db: Db, account: Account, args: string[], values: Record<string, unknown>) => Promise<string>, options: CommandGroup['subcommands'][string]['options'] = {}) {
  return {
    summary: summaryText,
    usage,
    positionals,
    options,
    async run([who, ...args]: string[], values: Record<string, unknown>) {
      const message = await withDatabase(async (db, config) => {
        const account = await requireAccount(db, who!);
        const said = await action(db, account, args, values);
        await auditAdmin(db, config, { event: `admin.${event}`, account_id: account.id, detail: { email: account.email } });
        return said;
      });
      console.log(message);
      return 0;
    },
  };
}

export const users: CommandGroup = {
  summary: 'accounts: list, show, create, rename, email, disable, enable, recovery-codes, delete',
  subcommands: {
    list: {
      summary: 'list accounts',
      usage: 'Usage: scanin users list [--json]\n\nEvery account: email, name, sub, active devices, status (active or disabled).',
      positionals: 0,
      options: JSON_OPTION,
      async run(_args, values) {
        const rows = await withDatabase(async (db) => Promise.all((await listAccounts(db)).map((account) => summary(db, account))));
        printList(rows, values, (row) => `${row.email}\t${row.name}\tsub=${row.sub}\tdevices=${row.active_devices}\t${row.status}`, 'no accounts yet: create one with "scanin invite <email>"');
        return 0;
      },
    },
    show: {
      summary: 'show one account with its devices, open invites and sessions',
      usage: 'Usage: scanin users show <email|sub> [--json]',
      positionals: 1,
      options: JSON_OPTION,
      async run([who], values) {
        const shown = await withDatabase(async (db) => {
          const account = await requireAccount(db, who!);
          const now = systemClock();
          return {
            ...(await summary(db, account)),
            devices: (await listDevices(db, account.id)).map(({ public_jwk: _key, account_id: _account, ...device }) => device),
            open_invites: (await listOpenEnrollments(db, now, account.id)).map(({ eid, kind, created_at, expires_at }) => ({ eid, kind, created_at, expires_at })),
            sessions: await listAccountSessions(db, account.id, now),
            /** Unused recovery codes; null when the account never had a set. */
            recovery_codes_left: await recoveryCodesLeft(db, account.id),
          };
        });
        if (values.json) {
          console.log(JSON.stringify(shown, null, 2));
          return 0;
        }
        console.log(`email\t${shown.email}${shown.email_verified ? ' (verified)' : ''}\nname\t${shown.name}\nsub\t${shown.sub}\nstatus\t${shown.status}\ncreated\t${formatTime(shown.created_at)}`);
        console.log(`recovery codes\t${shown.recovery_codes_left === null ? 'none made yet' : `${shown.recovery_codes_left} of 10 unused`}`);
        for (const device of shown.devices) console.log(`device\t${device.id}\t${device.name}\t${device.status}\tlast used ${formatTime(device.last_used_at)}`);
        for (const invite of shown.open_invites) console.log(`invite\t${invite.eid}\texpires ${formatTime(invite.expires_at)}`);
        for (const session of shown.sessions) console.log(`session\t${session.uid}\tsigned in ${formatTime(session.login_at)}\tdevice ${session.device_id ?? '-'}`);
        return 0;
      },
    },
    create: {
      summary: 'create an account without a device (invite it later)',
      usage: 'Usage: scanin users create <email> [--name "Full Name"] [--email-verified]\n\nRefuses an email that already has an account.',
      positionals: 1,
      options: { name: { type: 'string' }, 'email-verified': { type: 'boolean' } },
      async run([rawEmail], values) {
        const email = parseEmail(rawEmail!);
        const name = typeof values.name === 'string' ? parseAccountName(values.name) : email.split('@')[0]!;
        const account = await withDatabase(async (db, config) => {
          const created = await createAccount(db, systemClock, { email, name, email_verified: values['email-verified'] === true });
          if (!created) throw new Error(`${email} already has an account`);
          await auditAdmin(db, config, { event: 'admin.user_created', account_id: created.id, detail: { email } });
          return created;
        });
        console.log(`created ${account.email} sub=${account.id}`);
        return 0;
      },
    },
    rename: change('user_renamed', 'change the display name', 'Usage: scanin users rename <email|sub> <new name>', 2, async (db, account, [rawName]) => {
      const name = parseAccountName(rawName!);
      await updateAccount(db, account.id, { name });
      return `renamed ${account.email}: "${account.name}" → "${name}"`;
    }),
    email: change(
      'email_changed',
      'change the email address (the sub stays)',
      'Usage: scanin users email <email|sub> <new email> [--email-verified]\n\nThe sub that apps know stays the same. The new address counts as unverified unless --email-verified.',
      2,
      async (db, account, [rawEmail], values) => {
        const email = parseEmail(rawEmail!);
        if (!(await updateAccount(db, account.id, { email, email_verified: values['email-verified'] === true }))) throw new Error(`${email} already belongs to another account`);
        return `changed email of sub=${account.id}: ${account.email} → ${email}`;
      },
      { 'email-verified': { type: 'boolean' } },
    ),
    disable: change('user_disabled', 'disable: end all sessions and tokens, refuse logins until enabled', 'Usage: scanin users disable <email|sub>', 1, async (db, account) => {
      const changed = await disableAccount(db, systemClock, account.id);
      return changed ? `disabled ${account.email}: its sessions and tokens are ended` : `${account.email} was already disabled`;
    }),
    enable: change('user_enabled', 'enable a disabled account again', 'Usage: scanin users enable <email|sub>', 1, async (db, account) => {
      return (await enableAccount(db, account.id)) ? `enabled ${account.email}` : `${account.email} was not disabled`;
    }),
    'recovery-codes': change(
      'recovery_codes',
      'make a new set of ten recovery codes (the old set stops working)',
      'Usage: scanin users recovery-codes <email|sub>\n\nPrints ten new one-time recovery codes for the person to keep; their earlier codes stop working at once.\nOnly their hashes are stored: this is the only time they are shown.',
      1,
      async (db, account) => {
        if (account.disabled_at !== null) throw new Error(`${account.email} is disabled: enable it first (a disabled account cannot recover)`);
        const codes = await regenerateRecoveryCodes(db, systemClock, account.id, 'admin');
        return `new recovery codes for ${account.email} (the earlier ones no longer work; shown only now):\n${codes.join('\n')}`;
      },
    ),
    delete: change('user_deleted', 'delete an account with its devices, grants and sessions', 'Usage: scanin users delete <email|sub>', 1, async (db, account) => {
      await deleteAccount(db, account.id);
      return `deleted ${account.email} (sub=${account.id}) with its devices, grants and sessions`;
    }),
  },
};
