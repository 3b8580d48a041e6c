// A device and its account read together (findDeviceAndAccount, one joined statement for every
// device call and completed login): each exactly as read on its own, on SQLite and PostgreSQL,
// though the two tables share column names (id, name, created_at).
import { describe, expect, it } from 'vitest';
import { generateDeviceKey } from '../../src/authenticator/keys.ts';
import { deviceRefusal } from '../../src/accounts/access.ts';
import { ensureAccount, findAccountById } from '../../src/store/accounts.ts';
import { findDevice, findDeviceAndAccount, insertDevice } from '../../src/store/devices.ts';
import { DATABASE_KINDS, useMigratedDatabase } from '../helpers/databases.ts';

describe.each(DATABASE_KINDS)('devices with their accounts on %s', (kind) => {
  const { db } = useMigratedDatabase(kind);

  it('reads the device and its account exactly as each reads alone', async () => {
    const account = await ensureAccount(db(), () => 1_700_000_000, 'joined@example.com', 'Account Name');
    const key = generateDeviceKey('ES256');
    await insertDevice(db(), { id: key.deviceId, account_id: account.id, name: 'Device Name', alg: 'ES256', public_jwk: key.publicJwk, status: 'active', created_at: 1_800_000_000 });
    const found = await findDeviceAndAccount(db(), key.deviceId);
    expect(found).toEqual({ device: await findDevice(db(), key.deviceId), account: await findAccountById(db(), account.id) });
    expect(found!.device.name).toBe('Device Name');
    expect(found!.account!.name).toBe('Account Name');
    expect(deviceRefusal(found!.device, found!.account)).toBeNull();
  });

  it('sees the account disabled, and the device refused for it', async () => {
    const account = await ensureAccount(db(), () => 1_700_000_000, 'disabled@example.com', 'Gone Soon');
    const key = generateDeviceKey('EdDSA');
    await insertDevice(db(), { id: key.deviceId, account_id: account.id, name: 'phone', alg: 'EdDSA', public_jwk: key.publicJwk, status: 'active', created_at: 1_800_000_000 });
    await db()('accounts').where({ id: account.id }).update({ disabled_at: 1_800_000_100 });
    const found = (await findDeviceAndAccount(db(), key.deviceId))!;
    expect(found.account!.disabled_at).toBe(1_800_000_100);
    expect(deviceRefusal(found.device, found.account)?.code).toBe('account_disabled');
  });

  it('finds nothing for an unknown device', async () => {
    expect(await findDeviceAndAccount(db(), generateDeviceKey('ES256').deviceId)).toBeUndefined();
  });
});
