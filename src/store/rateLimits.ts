// Rate-limit counters (see migrations/004_rate_limits.ts). Counting a hit is one statement: an
// insert that, when the window's row exists, adds to it instead, and returns the new count. It is
// atomic on SQLite and PostgreSQL alike, so concurrent hits from several instances never lose
// one. An instance that counts in memory (ratelimit/hitCounters.ts) adds its hits in batches.
import type { Db } from './db.ts';

export type RateLimitCount = { rule: string; subject: string; window_start: number; expires_at: number; hits: number };

// Numbers on both: PostgreSQL's bigint comes back as a number (store/db.ts sets its parser).
const COLUMNS = ['rule', 'subject', 'window_start', 'expires_at', 'hits'];

export async function countHit(db: Db, rule: string, subject: string, windowStart: number, expiresAt: number): Promise<number> {
  return (await addHits(db, [{ rule, subject, window_start: windowStart, expires_at: expiresAt, hits: 1 }]))[0]!.hits;
}

/** Adds each row's `hits` to its window's count (creating it), in one statement; returns the counts now. */
export async function addHits(db: Db, counts: RateLimitCount[]): Promise<RateLimitCount[]> {
  return (await db('rate_limits')
    .insert(counts)
    .onConflict(['rule', 'subject', 'window_start'])
    .merge({ hits: db.raw('?? + ??', ['rate_limits.hits', 'excluded.hits']) })
    .returning(COLUMNS)) as RateLimitCount[];
}

/** The counts of windows that have not passed at `now`. */
export async function liveRateLimits(db: Db, now: number): Promise<RateLimitCount[]> {
  return (await db('rate_limits').where('expires_at', '>', now).select(COLUMNS)) as RateLimitCount[];
}

/** Removes counters whose window has passed. */
export async function sweepRateLimits(db: Db, now: number): Promise<number> {
  return db('rate_limits').where('expires_at', '<=', now).delete();
}
