// Rate-limit counters (see migrations/004_rate_limits.ts). Counting is one statement: an insert
// that, when the window's row exists, adds one to it instead, and returns the new count. It is
// atomic on SQLite and PostgreSQL alike, so concurrent hits from several instances never lose
// one.
import type { Db } from './db.ts';

export async function countHit(db: Db, rule: string, subject: string, windowStart: number, expiresAt: number): Promise<number> {
  const rows = (await db('rate_limits')
    .insert({ rule, subject, window_start: windowStart, hits: 1, expires_at: expiresAt })
    .onConflict(['rule', 'subject', 'window_start'])
    .merge({ hits: db.raw('?? + 1', ['rate_limits.hits']) })
    .returning('hits')) as Array<{ hits: number | string }>;
  return Number(rows[0]!.hits);
}

/** Removes counters whose window has passed. */
export async function sweepRateLimits(db: Db, now: number): Promise<number> {
  return db('rate_limits').where('expires_at', '<=', now).delete();
}
