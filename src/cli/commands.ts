// The commands of `npx scanin`. Each opens what it needs from the same configuration the server
// uses, so the administrative commands run beside a running server write to the same database.
import type { RunningScanin } from '../server.ts';
import { auditLine, isEventName, listAudit } from '../audit/audit.ts';
import { auditCsv } from '../audit/auditCsv.ts';
import { systemClock } from '../clock.ts';
import { parseSince } from '../text/timeInput.ts';
import { loadConfig } from '../config/env.ts';
import { migrate } from '../store/migrate.ts';
import { devices, revoke } from './devices.ts';
import { createInvite, invites } from './invites.ts';
import { sessions } from './sessions.ts';
import { formatTime, requireAccount, withDatabase, withOpenDatabase, type Command, type CommandGroup } from './shared.ts';
import { groups } from './groups.ts';
import { clients } from './clients.ts';
import { admins } from './admins.ts';
import { users } from './users.ts';
import { readSigningKeys, rotateSigningKeys } from '../oidc/keys.ts';

export type { Command, CommandGroup };

export const commands: Record<string, Command | CommandGroup> = {
  serve: {
    summary: 'start Scanin (migrates the database first)',
    usage: 'Usage: scanin serve\n\nStarts the provider on PORT (default 3000) with the database in DATABASE_URL.',
    positionals: 0,
    options: {},
    async run() {
      // Loaded here so the administrative commands do not load the OIDC engine.
      const { startScanin } = await import('../server.ts');
      // The signal handlers come first: whoever waits for the "listening" line may stop it at
      // once, and a signal during the start stops it cleanly as soon as it is up.
      let scanin: RunningScanin | undefined;
      let stopWhenStarted = false;
      const stop = () => {
        if (!scanin) return void (stopWhenStarted = true);
        scanin.close().then(() => process.exit(0), () => process.exit(1));
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      // After `scanin keys rotate`, an operator may make this instance publish the new key at once.
      process.on('SIGHUP', () => {
        scanin?.reloadKeys().catch((error: unknown) => scanin?.services.log.error({ err: error }, 'signing keys reload failed'));
      });
      scanin = await startScanin(loadConfig());
      if (stopWhenStarted) stop();
      // Keep running until a signal arrives.
      return new Promise<number>(() => {});
    },
  },

  migrate: {
    summary: 'apply pending database migrations',
    usage: 'Usage: scanin migrate\n\nApplies the migrations in migrations/ to DATABASE_URL. serve does this by itself.',
    positionals: 0,
    options: {},
    async run() {
      const applied = await withOpenDatabase((db) => migrate(db));
      if (applied.length === 0) console.log('nothing to apply: the database is up to date');
      else console.log(`applied ${applied.length} migration(s): ${applied.join(', ')}`);
      return 0;
    },
  },

  invite: createInvite,
  revoke,
  users,
  groups,
  clients,
  admins,
  invites,
  devices,
  sessions,

  keys: {
    summary: 'list or rotate the signing keys (keys list | keys rotate)',
    usage: `Usage: scanin keys list
       scanin keys rotate [--activate-in SECONDS] [--force]

list    every signing key: kid, algorithm, state (next, current, previous), since when it
        signs, and until when a replaced key stays published.
rotate  a new RS256 and ES256 key, published in JWKS at once (within KEYS_RELOAD_INTERVAL on
        every instance) and signing from --activate-in seconds from now (default 3600). The
        keys they replace stay published until the tokens they signed have expired, then go.
        --activate-in must be at least twice KEYS_RELOAD_INTERVAL, so that every instance
        publishes the key before any signs with it; --force allows less.`,
    positionals: 1,
    options: { 'activate-in': { type: 'string' }, force: { type: 'boolean' } },
    async run([action], values) {
      if (action === 'list') {
        const keys = await withDatabase((db, config) => readSigningKeys(db, systemClock(), config.keysSecret));
        for (const key of keys) {
          console.log(`${key.kid}\t${key.alg}\t${key.state}\tcreated ${formatTime(key.createdAt)}\tsigns from ${formatTime(key.activatesAt)}\tretires ${formatTime(key.retiresAt)}`);
        }
        return 0;
      }
      if (action !== 'rotate') throw new Error(`unknown action "${action}": use "keys list" or "keys rotate"`);
      const raw = typeof values['activate-in'] === 'string' ? values['activate-in'] : '3600';
      if (!/^\d{1,7}$/.test(raw)) throw new Error(`--activate-in: expected a number of seconds, got ${JSON.stringify(raw)}`);
      const activateIn = Number(raw);
      const rows = await withDatabase(async (db, config) => {
        const least = 2 * config.keysReloadInterval;
        if (activateIn < least && values.force !== true) {
          throw new Error(`--activate-in ${activateIn} is shorter than twice KEYS_RELOAD_INTERVAL (${least} s): an instance could sign with the key before another publishes it. Use --force to do it anyway`);
        }
        // Read first: a wrong KEYS_SECRET fails here, before a key sealed with it is written.
        await readSigningKeys(db, systemClock(), config.keysSecret);
        return rotateSigningKeys(db, systemClock(), config.keysSecret, activateIn);
      });
      for (const row of rows) console.log(`${row.kid}\t${row.alg}\tpublished now, signs from ${formatTime(row.activates_at)}`);
      return 0;
    },
  },

  audit: {
    summary: 'print the audit log, one JSON line per event (or CSV)',
    usage: `Usage: scanin audit [--user <email>] [--client <client_id>] [--event <name>] [--since <when>] [--until <when>] [--csv]

Prints the audit log oldest first, one JSON object per line: enrollments, login outcomes,
revocations, rate-limit trips and administrative actions. --user keeps one account's events,
--client one app's; --event one event (login.refused) or a family (login: login.approved,
login.denied, …); --since keeps events from a time on and --until those before one: an ISO date
or time (2026-11-01, 2026-11-01T08:00:00Z) or an age (30m, 12h, 7d). --csv prints CSV instead
(RFC 4180; a cell a spreadsheet would run as a formula starts with '). Entries are kept
AUDIT_RETENTION_DAYS days (default 90).`,
    positionals: 0,
    options: { user: { type: 'string' }, client: { type: 'string' }, event: { type: 'string' }, since: { type: 'string' }, until: { type: 'string' }, csv: { type: 'boolean' } },
    async run(_positionals, values) {
      const now = systemClock();
      const since = typeof values.since === 'string' ? parseSince(values.since, now) : undefined;
      const until = typeof values.until === 'string' ? parseSince(values.until, now, '--until') : undefined;
      const event = typeof values.event === 'string' ? values.event : undefined;
      if (event !== undefined && !isEventName(event)) throw new Error(`--event: expected an event name such as login.refused or a family such as login, got "${event}"`);
      if (values.client === '') throw new Error('--client: give a client_id');
      const entries = await withDatabase(async (db) => {
        const accountId = typeof values.user === 'string' ? (await requireAccount(db, values.user)).id : undefined;
        return listAudit(db, { accountId, clientId: typeof values.client === 'string' ? values.client : undefined, event, since, until });
      });
      if (values.csv) process.stdout.write(auditCsv(entries));
      else for (const entry of entries) console.log(auditLine(entry));
      return 0;
    },
  },
};
