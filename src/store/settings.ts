// Values made once and kept for good (signing keys, cookie secrets). The first instance to start
// writes them; any instance starting at the same moment reads the winner's value.
import type { Db } from './db.ts';

export async function getOrCreateSetting<T>(db: Db, key: string, create: () => T): Promise<T> {
  await db('settings').insert({ key, value: JSON.stringify(create()) }).onConflict('key').ignore();
  return (await getSetting<T>(db, key))!;
}

async function putSetting(db: Db, key: string, value: unknown): Promise<void> {
  await db('settings').insert({ key, value: JSON.stringify(value) }).onConflict('key').merge();
}

async function getSetting<T>(db: Db, key: string): Promise<T | undefined> {
  const row = (await db('settings').where({ key }).first('value')) as { value: string } | undefined;
  return row ? (JSON.parse(row.value) as T) : undefined;
}

const LAST_ISSUER = 'last_issuer';

/** The server keeps the issuer it started with, so `scanin invite` can print links to it. */
export function recordIssuer(db: Db, issuer: string): Promise<void> {
  return putSetting(db, LAST_ISSUER, issuer);
}

export function lastIssuer(db: Db): Promise<string | undefined> {
  return getSetting<string>(db, LAST_ISSUER);
}
