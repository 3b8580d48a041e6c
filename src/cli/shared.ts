// What the administrative commands share: the database of the configured Scanin, the issuer,
// finding an account by email or sub, and printing listings for people or (--json) for scripts.
import { recordAudit, type AuditEvent } from '../audit/audit.ts';
import { systemClock } from '../clock.ts';
import { defaultIssuer, loadConfig, type Config } from '../config/env.ts';
import { findAccountByEmail, findAccountById, normalizeEmail, type Account } from '../store/accounts.ts';
import { connectDatabase, type Db } from '../store/db.ts';
import { runningIssuer } from '../store/instances.ts';
import { migrate } from '../store/migrate.ts';
import { lastIssuer } from '../store/settings.ts';
import { pino } from 'pino';
import { createLogger } from '../log/logger.ts';
import { deliverMail } from '../mail/delivery.ts';
import { openMailer } from '../mail/mailer.ts';
import { queueMail, type Mail } from '../store/mailOutbox.ts';

export type Values = Record<string, string | string[] | boolean | undefined>;

export type Command = {
  summary: string;
  usage: string;
  positionals: number;
  /** `multiple`: the option may be given more than once, and reads as the list of its values. */
  options: Record<string, { type: 'string' | 'boolean'; short?: string; multiple?: boolean }>;
  run(positionals: string[], values: Values): Promise<number>;
};

/** A command with verbs: `scanin users list`, `scanin users disable <email>`, … */
export type CommandGroup = { summary: string; subcommands: Record<string, Command> };

export const JSON_OPTION = { json: { type: 'boolean' } } as const;

/** Opens the configured database, runs `task`, closes it. */
export async function withOpenDatabase<T>(task: (db: Db, config: Config) => Promise<T>): Promise<T> {
  const config = loadConfig();
  const db = await connectDatabase(config.database);
  try {
    return await task(db, config);
  } finally {
    await db.destroy();
  }
}

/** As withOpenDatabase, with the schema brought up to date first. */
export function withDatabase<T>(task: (db: Db, config: Config) => Promise<T>): Promise<T> {
  return withOpenDatabase(async (db, config) => {
    await migrate(db);
    return task(db, config);
  });
}

/**
 * ISSUER, else the issuer of a Scanin running on this database now, else the one it last started
 * with (said out loud: it may have been another port), else a guess said out loud.
 */
export async function inviteIssuer(db: Db, config: Config): Promise<string> {
  if (config.issuer) return config.issuer;
  const running = await runningIssuer(db, systemClock());
  if (running) return running;
  const last = await lastIssuer(db);
  if (last) {
    console.error(`scanin invite: warning: no Scanin is running on this database now, so the link uses the issuer it last started with, ${last}; set ISSUER to the URL Scanin is reached at`);
    return last;
  }
  const guess = defaultIssuer(config.host, config.port);
  console.error(`scanin invite: warning: Scanin has not started on this database yet, so the link assumes ${guess}; set ISSUER to the URL Scanin is reached at`);
  return guess;
}

/**
 * Queues `mail` and tries to send it before the command ends: true when it left, false when it
 * stays queued for a running server (the reason is logged on stderr), `undefined` without mail.
 */
export async function sendNow(db: Db, config: Config, mail: Mail): Promise<boolean | undefined> {
  const log = createLogger(config.logLevel, pino.destination(2));
  const mailer = openMailer(config.mail, log);
  if (!mailer) return undefined;
  try {
    const id = await queueMail(db, mail, systemClock());
    return (await deliverMail({ db, clock: systemClock, mailer, log }, [id])).sent === 1;
  } finally {
    mailer.close();
  }
}

export function formatTime(seconds: number | null): string {
  return seconds ? new Date(seconds * 1000).toISOString().replace('.000Z', 'Z') : '-';
}

/** The account named by an email address or a sub; an error naming what was not found. */
export async function requireAccount(db: Db, who: string): Promise<Account> {
  const email = who.includes('@') ? normalizeEmail(who) : null;
  if (who.includes('@') && !email) throw new Error(`"${who}" is not an email address`);
  const account = email ? await findAccountByEmail(db, email) : await findAccountById(db, who);
  if (!account) throw new Error(`no account ${email ?? `with sub ${who}`}`);
  return account;
}

/** Prints rows as a JSON array (--json) or one tab-separated line each, or `empty` when none. */
export function printList<T>(rows: T[], values: Values, line: (row: T) => string, empty: string): void {
  if (values.json) {
    console.log(JSON.stringify(rows, null, 2));
    return;
  }
  if (!rows.length) console.log(empty);
  for (const row of rows) console.log(line(row));
}

/** Records an administrative action in the audit log (event names `admin.…`, see audit.ts). */
export function auditAdmin(db: Db, config: Config, event: AuditEvent): Promise<void> {
  return recordAudit({ db, clock: systemClock, config }, event);
}
