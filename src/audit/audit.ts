// The audit trail. Every security-relevant event goes through `recordAudit`: one row in the
// database (kept AUDIT_RETENTION_DAYS, default 90, then swept) and one JSON line in the log, so a
// log shipper sees it at once and an operator can read it back with `npx scanin audit`. The
// server's log is stdout; a command line's is stderr, its stdout being the command's answer.
//
// Event names are dotted, lower-case, past tense where it fits:
//   enrollment                a device was bound to an account
//   login.approved            a device approved a login request
//   login.denied              a device denied it
//   login.wrong_number        a device picked the wrong number (the request is denied)
//   login.wrong_account       a device of another account answered a sign-in that named one
//   login.expired             a request a device had read ran out unanswered
//   login.refused             a person in none of a client's allowed_groups was refused it
//   device.revoked            a device was revoked
//   rate_limit                a rate limit was passed (recorded once per window and subject)
//   admin.<command>           an administrative command or console action (admin.invite, …)
//   admin_console.refused     someone without the admin role asked for the admin console
// Others (accounts, sign-up, SSO) add their own names in the same style.
import { pino } from 'pino';
import type { Clock } from '../clock.ts';
import type { Config } from '../config/env.ts';
import { createLogger, type Logger } from '../log/logger.ts';
import type { Metrics } from '../ops/metrics.ts';
import type { Db } from '../store/db.ts';

export type AuditEvent = {
  event: string;
  account_id?: string | null;
  device_id?: string | null;
  ip?: string | null;
  client_id?: string | null;
  /** Anything else worth keeping: small, flat, and never a secret (no tokens, no challenges). */
  detail?: Record<string, string | number | boolean | null>;
};

export type AuditEntry = Required<Omit<AuditEvent, 'detail'>> & { id: number; at: number; detail: AuditEvent['detail'] | null };

/** `log`: the log the entry joins (the server's logger; a command line has none: then stderr). */
export type AuditTarget = { db: Db; clock: Clock; config: Pick<Config, 'auditStdout'>; log?: Logger; metrics?: Pick<Metrics, 'logins'> };

let standaloneLog: Logger | undefined;

const EVENT_NAME = /^[a-z_]+(\.[a-z_]+)*$/;

/** The JSON line written to stdout for an entry. */
export function auditLine(entry: Omit<AuditEntry, 'id'>): string {
  return JSON.stringify({
    time: new Date(entry.at * 1000).toISOString(),
    type: 'audit',
    event: entry.event,
    account_id: entry.account_id,
    device_id: entry.device_id,
    ip: entry.ip,
    client_id: entry.client_id,
    ...(entry.detail ? { detail: entry.detail } : {}),
  });
}

export async function recordAudit(target: AuditTarget, event: AuditEvent): Promise<void> {
  if (!EVENT_NAME.test(event.event)) throw new TypeError(`audit event names are dotted lower-case words, got ${JSON.stringify(event.event)}`);
  const entry = {
    at: target.clock(),
    event: event.event,
    account_id: event.account_id ?? null,
    device_id: event.device_id ?? null,
    ip: event.ip ?? null,
    client_id: event.client_id ?? null,
    detail: event.detail ?? null,
  };
  await target.db('audit_log').insert({ ...entry, detail: entry.detail && JSON.stringify(entry.detail) });
  // How login requests end is counted where it is recorded, so the two can never disagree.
  if (event.event.startsWith('login.')) target.metrics?.logins.inc({ outcome: event.event.slice('login.'.length) });
  if (target.config.auditStdout) {
    // One stream with the rest of the log, but written whatever LOG_LEVEL says: AUDIT_STDOUT decides.
    // Without a server's logger (`scanin invite`, …) the line goes to stderr: stdout is the
    // command's answer, which a script parses (--json) or reads (the link on the last line).
    const log = (target.log ?? (standaloneLog ??= createLogger('info', pino.destination(2)))).child({}, { level: 'info' });
    const { event, account_id, device_id, ip, client_id, detail } = entry;
    log.info({ type: 'audit', event, account_id, device_id, ip, client_id, ...(detail ? { detail } : {}) }, 'audit');
  }
}

type AuditRow = Omit<AuditEntry, 'detail'> & { detail: string | null };

/**
 * Which entries to list: one account's, one client's, of one event or family (`event: "login"`
 * is login and every login.<outcome>), from `since` and before `until` (epoch seconds).
 */
export type AuditFilter = { accountId?: string; clientId?: string; event?: string; since?: number; until?: number; limit?: number; offset?: number; newestFirst?: boolean };

/** Whether `name` can be an event name or family (the names recordAudit accepts). */
export function isEventName(name: string): boolean {
  return EVENT_NAME.test(name);
}

/** Entries oldest first (or newest first), as `filter` selects them. */
export async function listAudit(db: Db, filter: AuditFilter = {}): Promise<AuditEntry[]> {
  const order = filter.newestFirst ? 'desc' : 'asc';
  let query = db('audit_log').orderBy([{ column: 'at', order }, { column: 'id', order }]);
  if (filter.accountId) query = query.where({ account_id: filter.accountId });
  if (filter.clientId) query = query.where({ client_id: filter.clientId });
  if (filter.event) {
    const family = `${filter.event}.`;
    // No LIKE: "_" in event names is one of its wildcards.
    query = query.where((q) => q.where('event', filter.event!).orWhereRaw('substr(event, 1, ?) = ?', [family.length, family]));
  }
  if (filter.since !== undefined) query = query.where('at', '>=', filter.since);
  if (filter.until !== undefined) query = query.where('at', '<', filter.until);
  const rows = (await query.limit(filter.limit ?? 10_000).offset(filter.offset ?? 0)) as AuditRow[];
  return rows.map((row) => ({ ...row, id: Number(row.id), detail: row.detail ? (JSON.parse(row.detail) as AuditEntry['detail']) : null }));
}

/** Removes entries older than `before` (epoch seconds). */
export async function sweepAudit(db: Db, before: number): Promise<number> {
  return db('audit_log').where('at', '<', before).delete();
}
