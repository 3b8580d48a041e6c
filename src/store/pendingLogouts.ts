// Back-channel logouts waiting to be sent (migrations/015_pending_logouts.ts). Queued in the
// transaction that ends their sessions; claimed by one instance at a time, each claim moving the
// row's next attempt later (so a claim whose instance died is simply tried again then); deleted
// once sent, or given up.
import type { Db } from './db.ts';

export type PendingLogout = { id: number; account_id: string; client_id: string; sid: string | null; attempts: number };

/** Due at once (`next_attempt_at` 0, whatever an instance's clock says); `created_at` is for people reading the table. */
export async function queueLogouts(trx: Db, logouts: Array<Pick<PendingLogout, 'account_id' | 'client_id' | 'sid'>>): Promise<void> {
  if (!logouts.length) return;
  const createdAt = Math.floor(Date.now() / 1000);
  await trx('pending_logouts').insert(logouts.map((logout) => ({ ...logout, created_at: createdAt, attempts: 0, next_attempt_at: 0 })));
}

/**
 * Up to `limit` logouts due at `now`, each counted as one more attempt and put off until
 * `retryAt(attempts)` (epoch seconds) in case this one fails. Rows another instance claimed
 * first are left to it.
 */
export async function claimDueLogouts(db: Db, now: number, limit: number, retryAt: (attempts: number) => number): Promise<PendingLogout[]> {
  const due = (await db('pending_logouts').where('next_attempt_at', '<=', now).orderBy('id').limit(limit).select('id', 'attempts')) as Array<{ id: number; attempts: number }>;
  const claimed: PendingLogout[] = [];
  for (const { id, attempts } of due) {
    const rows = (await db('pending_logouts')
      .where({ id, attempts })
      .andWhere('next_attempt_at', '<=', now)
      .update({ attempts: attempts + 1, next_attempt_at: retryAt(attempts + 1) })
      .returning(['id', 'account_id', 'client_id', 'sid', 'attempts'])) as PendingLogout[];
    claimed.push(...rows);
  }
  return claimed;
}

export async function forgetLogout(db: Db, id: number): Promise<void> {
  await db('pending_logouts').where({ id }).delete();
}
