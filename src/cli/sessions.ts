// `scanin sessions …`: an account's browser sessions, and ending one.
import { systemClock } from '../clock.ts';
import { endSession, listAccountSessions, sessionAccount } from '../oidc/sessions.ts';
import { auditAdmin, formatTime, JSON_OPTION, printList, requireAccount, withDatabase, type CommandGroup } from './shared.ts';

export const sessions: CommandGroup = {
  summary: 'browser sessions: list, end',
  subcommands: {
    list: {
      summary: "list an account's signed-in browsers",
      usage: 'Usage: scanin sessions list <email|sub> [--json]\n\nEach live session: its id, when it signed in, from which address, the device that approved it, the apps it signed in to (--json adds the user agent).',
      positionals: 1,
      options: JSON_OPTION,
      async run([who], values) {
        const { account, rows } = await withDatabase(async (db) => {
          const account = await requireAccount(db, who!);
          return { account, rows: await listAccountSessions(db, account.id, systemClock()) };
        });
        printList(rows, values, (s) => `${s.uid}\tsigned in ${formatTime(s.login_at)}\tfrom ${s.ip ?? '-'}\tdevice ${s.device_id ?? '-'}\tapps ${s.clients.join(',') || '-'}`, `${account.email} has no sessions`);
        return 0;
      },
    },
    end: {
      summary: 'sign a browser session out, with the tokens its apps got through it',
      usage: 'Usage: scanin sessions end <session id>\n\nThe id is the first column of "scanin sessions list".',
      positionals: 1,
      options: {},
      async run([uid]) {
        await withDatabase(async (db, config) => {
          const accountId = await sessionAccount(db, uid!);
          if (!accountId || !(await endSession(db, uid!))) throw new Error(`no session ${uid}`);
          await auditAdmin(db, config, { event: 'admin.session_ended', account_id: accountId, detail: { session: uid! } });
        });
        console.log(`ended session ${uid}`);
        return 0;
      },
    },
  },
};
