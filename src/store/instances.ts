// The instances running on this database and the issuer each serves: what `scanin invite` links
// to when ISSUER is not set (the last-started issuer may be an instance stopped since, on another
// port). Each instance touches its row every HEARTBEAT_SECONDS and removes it when it stops
// cleanly; a row older than STALE_SECONDS is a crashed instance's, ignored and then removed.
import { randomUUID } from 'node:crypto';
import type { Db } from './db.ts';

export const HEARTBEAT_SECONDS = 30;
/** Three missed heartbeats: the instance is gone (killed, crashed, its machine off). */
export const STALE_SECONDS = 3 * HEARTBEAT_SECONDS;

/** Records a starting instance and returns its id; rows of instances gone long since are removed. */
export async function registerInstance(db: Db, issuer: string, now: number): Promise<string> {
  const id = randomUUID();
  await db('instances').where('seen_at', '<', now - STALE_SECONDS).delete();
  await db('instances').insert({ id, issuer, started_at: now, seen_at: now });
  return id;
}

export async function touchInstance(db: Db, id: string, issuer: string, now: number): Promise<void> {
  // An instance whose row was removed while it could not reach the database writes it again.
  await db('instances').insert({ id, issuer, started_at: now, seen_at: now }).onConflict('id').merge(['seen_at']);
}

export async function removeInstance(db: Db, id: string): Promise<void> {
  await db('instances').where({ id }).delete();
}

/** The issuer of the most recently started instance running now, if any. */
export async function runningIssuer(db: Db, now: number): Promise<string | undefined> {
  const row = (await db('instances').where('seen_at', '>=', now - STALE_SECONDS).orderBy([{ column: 'started_at', order: 'desc' }, { column: 'seen_at', order: 'desc' }]).first('issuer')) as { issuer: string } | undefined;
  return row?.issuer;
}
