// Vault writes and request ids are single conditional statements: on SQLite and on PostgreSQL
// alike, of many concurrent writes over one version (or uses of one jti) exactly one wins.
import { describe, expect, it } from 'vitest';
import { generateDeviceKey } from '../../src/authenticator/keys.ts';
import { ensureAccount } from '../../src/store/accounts.ts';
import { recordRequestId, sweepRequestIds } from '../../src/store/deviceRequestIds.ts';
import { insertDevice } from '../../src/store/devices.ts';
import { findVault, writeVault } from '../../src/store/vaults.ts';
import type { Db } from '../../src/store/db.ts';
import { DATABASE_KINDS, useMigratedDatabase } from '../helpers/databases.ts';

const NOW = 1_800_000_000;

async function newDevice(db: Db, email: string): Promise<string> {
  const account = await ensureAccount(db, () => NOW, email, 'Vault Person');
  const key = generateDeviceKey('ES256');
  await insertDevice(db, { id: key.deviceId, account_id: account.id, name: 'phone', alg: 'ES256', public_jwk: key.publicJwk, status: 'active', created_at: NOW });
  return key.deviceId;
}

describe.each(DATABASE_KINDS)('vault and request ids on %s', (kind) => {
  const database = useMigratedDatabase(kind);

  it('of 20 concurrent first writes exactly one creates the vault, and it holds that one', async () => {
    const device = await newDevice(database.db(), 'first@example.com');
    const won = await Promise.all(Array.from({ length: 20 }, (_, i) => writeVault(database.db(), device, 0, `w${i}`, NOW)));
    expect(won.filter(Boolean)).toHaveLength(1);
    expect(await findVault(database.db(), device)).toEqual({ device_id: device, version: 1, data: `w${won.indexOf(true)}`, updated_at: NOW });
  });

  it('of 20 concurrent writes over version 1 exactly one makes version 2; a stale version never writes', async () => {
    const device = await newDevice(database.db(), 'later@example.com');
    expect(await writeVault(database.db(), device, 0, 'v1', NOW)).toBe(true);
    const won = await Promise.all(Array.from({ length: 20 }, (_, i) => writeVault(database.db(), device, 1, `w${i}`, NOW + 1)));
    expect(won.filter(Boolean)).toHaveLength(1);
    expect(await writeVault(database.db(), device, 1, 'stale', NOW + 2)).toBe(false);
    expect(await writeVault(database.db(), device, 0, 'stale', NOW + 2)).toBe(false);
    expect(await findVault(database.db(), device)).toMatchObject({ version: 2, data: `w${won.indexOf(true)}` });
  });

  it('a jti is recorded once per device, even when 20 uses race; another device may use it too', async () => {
    const [one, two] = [await newDevice(database.db(), 'jti1@example.com'), await newDevice(database.db(), 'jti2@example.com')];
    const recorded = await Promise.all(Array.from({ length: 20 }, () => recordRequestId(database.db(), one, 'the-same-jti-000', NOW + 60)));
    expect(recorded.filter(Boolean)).toHaveLength(1);
    expect(await recordRequestId(database.db(), two, 'the-same-jti-000', NOW + 60)).toBe(true);
  });

  it('the sweep forgets a jti only once its iat window has passed', async () => {
    const device = await newDevice(database.db(), 'sweep@example.com');
    await recordRequestId(database.db(), device, 'sweep-me-please-0', NOW + 60);
    await sweepRequestIds(database.db(), NOW + 60);
    expect(await recordRequestId(database.db(), device, 'sweep-me-please-0', NOW + 60)).toBe(false);
    await sweepRequestIds(database.db(), NOW + 61);
    expect(await recordRequestId(database.db(), device, 'sweep-me-please-0', NOW + 120)).toBe(true);
  });
});
