// `scanin admins …`: who may use the admin console (/admin). The first administrator is made
// here: the command line needs no role, only the database.
import { systemClock } from '../clock.ts';
import { grantAdmin, listAdmins, revokeAdmin } from '../store/admins.ts';
import { auditAdmin, formatTime, JSON_OPTION, printList, requireAccount, withDatabase, type CommandGroup } from './shared.ts';

export const admins: CommandGroup = {
  summary: 'administrators of the admin console: list, grant, revoke',
  subcommands: {
    list: {
      summary: 'list the administrators',
      usage: 'Usage: scanin admins list [--json]\n\nEach administrator: email, name, since when, granted by (cli, or the sub of an administrator).',
      positionals: 0,
      options: JSON_OPTION,
      async run(_args, values) {
        const rows = await withDatabase((db) => listAdmins(db));
        printList(rows, values, (row) => `${row.email}\t${row.name}\tsince ${formatTime(row.granted_at)}\tby ${row.granted_by}`, 'no administrators yet: make one with "scanin admins grant <email>"');
        return 0;
      },
    },
    grant: {
      summary: 'let an account use the admin console',
      usage: 'Usage: scanin admins grant <email|sub>\n\nThe person signs in at /admin with their phone, as anywhere else.',
      positionals: 1,
      options: {},
      async run([who]) {
        const said = await withDatabase(async (db, config) => {
          const account = await requireAccount(db, who!);
          if (account.disabled_at !== null) throw new Error(`${account.email} is disabled: enable it first`);
          if (!(await grantAdmin(db, account.id, systemClock(), 'cli'))) return `${account.email} is an administrator already`;
          await auditAdmin(db, config, { event: 'admin.admin_granted', account_id: account.id, detail: { email: account.email, by: 'cli' } });
          return `${account.email} is an administrator: they sign in at /admin`;
        });
        console.log(said);
        return 0;
      },
    },
    revoke: {
      summary: 'take the admin console away from an account',
      usage: 'Usage: scanin admins revoke <email|sub>\n\nTakes effect at their next request to /admin.',
      positionals: 1,
      options: {},
      async run([who]) {
        await withDatabase(async (db, config) => {
          const account = await requireAccount(db, who!);
          if (!(await revokeAdmin(db, account.id))) throw new Error(`${account.email} is not an administrator`);
          await auditAdmin(db, config, { event: 'admin.admin_revoked', account_id: account.id, detail: { email: account.email, by: 'cli' } });
        });
        console.log(`${who} is no longer an administrator`);
        return 0;
      },
    },
  },
};
