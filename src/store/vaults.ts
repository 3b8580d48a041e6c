// Device vaults: one opaque, device-encrypted blob per device, with a version that counts writes.
import type { Db } from './db.ts';

export type Vault = { device_id: string; version: number; data: string; updated_at: number };

export async function findVault(db: Db, deviceId: string): Promise<Vault | undefined> {
  return db('device_vaults').where({ device_id: deviceId }).first();
}

/**
 * Writes `data` as version `replaces + 1`, only if the stored version is still `replaces` (0: no
 * vault yet). One conditional statement each way, so of concurrent writes exactly one wins.
 */
export async function writeVault(db: Db, deviceId: string, replaces: number, data: string, now: number): Promise<boolean> {
  const version = replaces + 1;
  if (replaces === 0) {
    const inserted = await db('device_vaults')
      .insert({ device_id: deviceId, version, data, updated_at: now })
      .onConflict('device_id')
      .ignore()
      .returning('device_id');
    return inserted.length === 1;
  }
  const changed = await db('device_vaults').where({ device_id: deviceId, version: replaces }).update({ version, data, updated_at: now });
  return changed === 1;
}
