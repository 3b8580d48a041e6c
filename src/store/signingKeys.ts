// The signing_keys table: one row per key, its private JWK as stored (plain JSON or sealed).
import type { Db } from './db.ts';

export type SigningKeyRow = { kid: string; alg: string; jwk: string; created_at: number; activates_at: number };

export function listSigningKeys(db: Db): Promise<SigningKeyRow[]> {
  return db('signing_keys').orderBy([{ column: 'alg' }, { column: 'activates_at' }, { column: 'kid' }]) as Promise<SigningKeyRow[]>;
}

export async function insertSigningKeys(db: Db, rows: SigningKeyRow[]): Promise<void> {
  await db('signing_keys').insert(rows).onConflict('kid').ignore();
}

/** Replaces a key's stored JWK only if it is still `previous` (two instances sealing at once agree). */
export async function replaceStoredJwk(db: Db, kid: string, previous: string, next: string): Promise<void> {
  await db('signing_keys').where({ kid, jwk: previous }).update({ jwk: next });
}

export async function deleteSigningKeys(db: Db, kids: string[]): Promise<void> {
  if (kids.length) await db('signing_keys').whereIn('kid', kids).delete();
}
