// Back-channel logouts waiting to be sent (migrations/015_pending_logouts.ts). Queued in the
// transaction that ends their sessions; claimed and forgotten as every outbox is (outbox.ts).
import type { Db } from './db.ts';
import { claimDue, forgetSent } from './outbox.ts';

export type PendingLogout = { id: number; account_id: string; client_id: string; sid: string | null; attempts: number };

/** Due at once (`next_attempt_at` 0, whatever an instance's clock says); `created_at` is for people reading the table. */
export async function queueLogouts(trx: Db, logouts: Array<Pick<PendingLogout, 'account_id' | 'client_id' | 'sid'>>): Promise<void> {
  if (!logouts.length) return;
  const createdAt = Math.floor(Date.now() / 1000);
  await trx('pending_logouts').insert(logouts.map((logout) => ({ ...logout, created_at: createdAt, attempts: 0, next_attempt_at: 0 })));
}

/** Up to `limit` logouts due at `now`, claimed as store/outbox.ts says. */
export function claimDueLogouts(db: Db, now: number, limit: number, retryAt: (attempts: number) => number): Promise<PendingLogout[]> {
  return claimDue<PendingLogout>(db, 'pending_logouts', ['id', 'account_id', 'client_id', 'sid', 'attempts'], { now, limit, retryAt });
}

export function forgetLogout(db: Db, id: number): Promise<void> {
  return forgetSent(db, 'pending_logouts', id);
}
