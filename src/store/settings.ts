// Values made once and kept for good (signing keys, cookie secrets). The first instance to start
// writes them; any instance starting at the same moment reads the winner's value.
import type { Db } from './db.ts';

export async function getOrCreateSetting<T>(db: Db, key: string, create: () => T): Promise<T> {
  await db('settings').insert({ key, value: JSON.stringify(create()) }).onConflict('key').ignore();
  const row = (await db('settings').where({ key }).first('value')) as { value: string };
  return JSON.parse(row.value) as T;
}
