import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { generateDeviceKey } from '../../src/authenticator/keys.ts';
import { loadDevices, saveDevices, type StoredDevice } from '../../src/authenticator/keystore.ts';

function device(): StoredDevice {
  const key = generateDeviceKey('ES256');
  return {
    device_id: key.deviceId,
    issuer: 'https://id.example.com',
    sub: 'user-1',
    email: 'ann@example.com',
    name: 'Ann Example',
    device_name: 'test phone',
    alg: key.alg,
    private_key: Buffer.from(key.privateKey).toString('base64url'),
    public_jwk: key.publicJwk,
    enrolled_at: 1_700_000_000,
  };
}

describe('key store', () => {
  let dir: string;
  let file: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'scanin-keystore-'));
    file = join(dir, 'devices.json');
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('a missing file is an empty store', async () => {
    expect(await loadDevices(file)).toEqual([]);
  });

  it('keeps the devices across a reload', async () => {
    const devices = [device(), device()];
    await saveDevices(file, devices);
    expect(await loadDevices(file)).toEqual(devices);
  });

  it('is readable by its owner only (0600)', async () => {
    await saveDevices(file, [device()]);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
  });

  it('is 0600 after a save even when the file was readable by others before', async () => {
    await writeFile(file, '{"version":1,"devices":[]}', { mode: 0o644 });
    await saveDevices(file, [device()]);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
  });

  it('creates the directory it lives in', async () => {
    const nested = join(dir, 'a', 'b', 'devices.json');
    await saveDevices(nested, [device()]);
    expect(await loadDevices(nested)).toHaveLength(1);
  });

  it('leaves no temporary file behind', async () => {
    await saveDevices(file, [device()]);
    await saveDevices(file, [device()]);
    expect(await readdir(dir)).toEqual(['devices.json']);
  });

  it('a file that is not JSON gives an error naming the file', async () => {
    await writeFile(file, '{"version": 1, "devi');
    await expect(loadDevices(file)).rejects.toThrow(`key store ${file} is corrupt: not valid JSON`);
  });

  it('a file of another shape gives an error naming the file', async () => {
    await writeFile(file, '[]');
    await expect(loadDevices(file)).rejects.toThrow(`key store ${file} is corrupt: expected {"version": 1, "devices": [...]}`);
  });

  it('a device with a bad field gives an error naming the file and the field', async () => {
    await writeFile(file, JSON.stringify({ version: 1, devices: [device(), { ...device(), alg: 'RS256' }] }));
    await expect(loadDevices(file)).rejects.toThrow(`key store ${file} is corrupt: devices[1].alg: expected one of ES256, EdDSA, got "RS256"`);
  });

  it('a device with a bad public key gives an error naming the field', async () => {
    await writeFile(file, JSON.stringify({ version: 1, devices: [{ ...device(), public_jwk: { kty: 'RSA' } }] }));
    await expect(loadDevices(file)).rejects.toThrow('devices[0].public_jwk: expected kty "EC" or "OKP", got "RSA"');
  });

  it('keeps the private key as base64url text in readable JSON', async () => {
    const one = device();
    await saveDevices(file, [one]);
    const text = await readFile(file, 'utf8');
    expect(text).toContain(`"private_key": "${one.private_key}"`);
  });
});
