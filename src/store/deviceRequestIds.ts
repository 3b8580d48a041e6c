// The `jti` of each accepted device request, kept while its assertion could still verify.
import type { Db } from './db.ts';

/** Records `jti` for `deviceId`; false when this device already used it (a replay). */
export async function recordRequestId(db: Db, deviceId: string, jti: string, expiresAt: number): Promise<boolean> {
  // The primary key makes this atomic: of two requests with the same jti, exactly one inserts.
  const inserted = await db('device_request_ids')
    .insert({ device_id: deviceId, jti, expires_at: expiresAt })
    .onConflict(['device_id', 'jti'])
    .ignore()
    .returning('jti');
  return inserted.length === 1;
}

/** Forgets ids whose assertions can no longer verify anyway. */
export async function sweepRequestIds(db: Db, now: number): Promise<void> {
  await db('device_request_ids').where('expires_at', '<', now).delete();
}
