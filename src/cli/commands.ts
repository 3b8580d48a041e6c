// The commands of `npx scanin`. Each opens what it needs from the same configuration the server
// uses, so `invite` run beside a running server writes to the same database.
import QRCode from 'qrcode';
import type { RunningScanin } from '../server.ts';
import { defaultIssuer, loadConfig, type Config } from '../config/env.ts';
import { auditLine, listAudit, recordAudit } from '../audit/audit.ts';
import { systemClock } from '../clock.ts';
import { createEnrollment } from '../enrollment/enrollments.ts';
import { enrollmentUrl } from '../protocol/urls.ts';
import { ensureAccount, findAccountByEmail, listAccounts, normalizeEmail } from '../store/accounts.ts';
import { connectDatabase, type Db } from '../store/db.ts';
import { findDevice, listDevices } from '../store/devices.ts';
import { revokeDeviceEverywhere } from '../accounts/cutOff.ts';
import { migrate } from '../store/migrate.ts';
import { lastIssuer } from '../store/settings.ts';

type Values = Record<string, string | boolean | undefined>;

export type Command = {
  summary: string;
  usage: string;
  positionals: number;
  options: Record<string, { type: 'string' | 'boolean'; short?: string }>;
  run(positionals: string[], values: Values): Promise<number>;
};

/** Opens the configured database, runs `task`, closes it. */
async function withOpenDatabase<T>(task: (db: Db, config: Config) => Promise<T>): Promise<T> {
  const config = loadConfig();
  const db = await connectDatabase(config.database);
  try {
    return await task(db, config);
  } finally {
    await db.destroy();
  }
}

/** As withOpenDatabase, with the schema brought up to date first. */
function withDatabase<T>(task: (db: Db, config: Config) => Promise<T>): Promise<T> {
  return withOpenDatabase(async (db, config) => {
    await migrate(db);
    return task(db, config);
  });
}

/** ISSUER, else the issuer the server last started with on this database, else a guess said out loud. */
async function inviteIssuer(db: Db, config: Config): Promise<string> {
  if (config.issuer) return config.issuer;
  const last = await lastIssuer(db);
  if (last) return last;
  const guess = defaultIssuer(config.host, config.port);
  console.error(`scanin invite: warning: Scanin has not started on this database yet, so the link assumes ${guess}; set ISSUER to the URL Scanin is reached at`);
  return guess;
}

function formatTime(seconds: number | null): string {
  return seconds ? new Date(seconds * 1000).toISOString().replace('.000Z', 'Z') : '-';
}

export const commands: Record<string, Command> = {
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

  invite: {
    summary: 'create a user if needed and print a one-time enrollment link',
    usage: `Usage: scanin invite <email> [--name "Full Name"]

Creates the account (if there is none with this email) and an invite to bind a phone to it.
Prints the enrollment link as a QR code and, on the last line, as a URL. The link works once
and expires after INVITE_TTL seconds (default 7 days).`,
    positionals: 1,
    options: { name: { type: 'string' } },
    async run([rawEmail], values) {
      const email = normalizeEmail(rawEmail!);
      if (!email) throw new Error(`"${rawEmail}" is not an email address`);
      const name = typeof values.name === 'string' && values.name.trim() ? values.name.trim() : email.split('@')[0]!;
      if (name.length > 200) throw new Error('--name must be at most 200 characters');
      const url = await withDatabase(async (db, config) => {
        const account = await ensureAccount(db, systemClock, email, name);
        const enrollment = await createEnrollment(db, systemClock, account, 'invite', config.inviteTtl);
        await recordAudit({ db, clock: systemClock, config }, { event: 'admin.invite', account_id: account.id, detail: { eid: enrollment.eid, email } });
        return enrollmentUrl(await inviteIssuer(db, config), enrollment.eid);
      });
      console.log(await QRCode.toString(url, { type: 'terminal', small: true }));
      console.log(url);
      return 0;
    },
  },

  users: {
    summary: 'list accounts',
    usage: 'Usage: scanin users\n\nLists every account: email, name, sub and how many active devices it has.',
    positionals: 0,
    options: {},
    async run() {
      const rows = await withDatabase(async (db) => {
        const accounts = await listAccounts(db);
        return Promise.all(accounts.map(async (account) => {
          const devices = await listDevices(db, account.id);
          return { ...account, active: devices.filter((device) => device.status === 'active').length };
        }));
      });
      if (!rows.length) console.log('no accounts yet: create one with "scanin invite <email>"');
      for (const row of rows) console.log(`${row.email}\t${row.name}\tsub=${row.id}\tdevices=${row.active}`);
      return 0;
    },
  },

  devices: {
    summary: "list an account's devices",
    usage: 'Usage: scanin devices <email>\n\nLists the devices bound to the account: device_id, name, algorithm, status, last use.',
    positionals: 1,
    options: {},
    async run([rawEmail]) {
      const email = normalizeEmail(rawEmail!);
      if (!email) throw new Error(`"${rawEmail}" is not an email address`);
      const devices = await withDatabase(async (db) => {
        const account = await findAccountByEmail(db, email);
        if (!account) throw new Error(`no account with email ${email}`);
        return listDevices(db, account.id);
      });
      if (!devices.length) console.log(`${email} has no devices yet`);
      for (const device of devices) {
        console.log(`${device.id}\t${device.name}\t${device.alg}\t${device.status}\tenrolled ${formatTime(device.created_at)}\tlast used ${formatTime(device.last_used_at)}`);
      }
      return 0;
    },
  },

  revoke: {
    summary: 'revoke a device for good',
    usage: 'Usage: scanin revoke <device_id>\n\nThe device can no longer answer any request. Its user needs a new invite to enroll again.\nA device_id may begin with "-": it is read as the device_id all the same (or write -- before it).',
    positionals: 1,
    options: {},
    async run([deviceId]) {
      const revoked = await withDatabase(async (db, config) => {
        const device = await findDevice(db, deviceId!);
        if (!device || !(await revokeDeviceEverywhere(db, systemClock, deviceId!))) return false;
        await recordAudit({ db, clock: systemClock, config }, { event: 'device.revoked', account_id: device.account_id, device_id: device.id, detail: { by: 'admin' } });
        return true;
      });
      if (!revoked) throw new Error(`no active device ${deviceId}`);
      console.log(`revoked ${deviceId}`);
      return 0;
    },
  },

  audit: {
    summary: 'print the audit log, one JSON line per event',
    usage: `Usage: scanin audit [--user <email>] [--since <when>]

Prints the audit log oldest first, one JSON object per line: enrollments, login outcomes,
revocations, rate-limit trips and administrative actions. --user keeps one account's events;
--since keeps events from a time on: an ISO date or time (2026-11-01, 2026-11-01T08:00:00Z) or
an age (30m, 12h, 7d). Entries are kept AUDIT_RETENTION_DAYS days (default 90).`,
    positionals: 0,
    options: { user: { type: 'string' }, since: { type: 'string' } },
    async run(_positionals, values) {
      const since = typeof values.since === 'string' ? parseSince(values.since, systemClock()) : undefined;
      const entries = await withDatabase(async (db) => {
        let accountId: string | undefined;
        if (typeof values.user === 'string') {
          const email = normalizeEmail(values.user);
          if (!email) throw new Error(`"${values.user}" is not an email address`);
          const account = await findAccountByEmail(db, email);
          if (!account) throw new Error(`no account with email ${email}`);
          accountId = account.id;
        }
        return listAudit(db, { accountId, since });
      });
      for (const entry of entries) console.log(auditLine(entry));
      return 0;
    },
  },
};

const AGE_UNITS: Record<string, number> = { m: 60, h: 3600, d: 86400 };

/** `--since`: an ISO date or time, or an age such as 12h or 7d; epoch seconds. */
export function parseSince(text: string, now: number): number {
  const age = /^(\d{1,6})([mhd])$/.exec(text);
  if (age) return now - Number(age[1]) * AGE_UNITS[age[2]!]!;
  const time = /^\d{4}-\d{2}-\d{2}(T[\d:.]+(Z|[+-]\d{2}:\d{2}))?$/.test(text) ? Date.parse(text) : NaN;
  if (Number.isNaN(time)) throw new Error(`--since: expected an ISO date (2026-11-01), a time (2026-11-01T08:00:00Z) or an age (30m, 12h, 7d), got "${text}"`);
  return Math.floor(time / 1000);
}
