// What the tables of things to send (pending_logouts, mail_outbox) share: rows due at once when
// queued (`next_attempt_at` 0, whatever an instance's clock says), claimed by one instance or
// command at a time, each claim counting an attempt and moving the row's next attempt later (so
// a claim whose process died is simply tried again then), deleted once sent or given up.
import type { Db } from './db.ts';

export type OutboxTable = 'pending_logouts' | 'mail_outbox';

/** Attempts before a row is given up: 16 at the delays below span about six hours. */
export const MAX_ATTEMPTS = 16;
/** Seconds from attempt n to the next: 2, 4, 8, … then hourly. */
export const retryDelay = (attempts: number): number => Math.min(2 ** attempts, 3600);

/**
 * Up to `limit` rows of `table` due at `now` (only those of `ids`, when given), each counted as
 * one more attempt and put off until `retryAt(attempts)` (epoch seconds) in case this one fails.
 * Rows another process claimed first are left to it.
 */
export async function claimDue<T extends { id: number; attempts: number }>(
  db: Db,
  table: OutboxTable,
  columns: Array<keyof T & string>,
  claim: { now: number; limit: number; retryAt: (attempts: number) => number; ids?: number[] },
): Promise<T[]> {
  const { now, limit, retryAt, ids } = claim;
  let query = db(table).where('next_attempt_at', '<=', now);
  if (ids) query = query.whereIn('id', ids);
  const due = (await query.orderBy('id').limit(limit).select('id', 'attempts')) as Array<{ id: number; attempts: number }>;
  const claimed: T[] = [];
  for (const { id, attempts } of due) {
    const rows = (await db(table)
      .where({ id, attempts })
      .andWhere('next_attempt_at', '<=', now)
      .update({ attempts: attempts + 1, next_attempt_at: retryAt(attempts + 1) })
      .returning(columns)) as T[];
    claimed.push(...rows);
  }
  return claimed;
}

export async function forgetSent(db: Db, table: OutboxTable, id: number): Promise<void> {
  await db(table).where({ id }).delete();
}
