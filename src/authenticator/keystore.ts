// The enrolled devices, kept in one JSON file. It holds private keys, so it is written 0600 and
// replaced atomically: a crash mid-write leaves the old file, never half a file.
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { DEVICE_ALGS, parseDevicePublicJwk, type DeviceAlg, type DevicePublicJwk } from '../protocol/jwk.ts';

export type StoredDevice = {
  device_id: string;
  issuer: string;
  sub: string;
  email: string;
  /** The account's name, as the server showed it at enrollment. */
  name: string;
  device_name: string;
  alg: DeviceAlg;
  /** 32 raw bytes, base64url. */
  private_key: string;
  public_jwk: DevicePublicJwk;
  /** Seconds since the epoch. */
  enrolled_at: number;
  /** 32 raw bytes, base64url: the AES-256-GCM key of this device's vault. Made at first use. */
  vault_key?: string;
};

type KeyStoreFile = { version: 1; devices: StoredDevice[] };

const STRING_FIELDS = ['device_id', 'issuer', 'sub', 'email', 'name', 'device_name', 'private_key'] as const;

function parseDevice(input: unknown, where: string): StoredDevice {
  if (typeof input !== 'object' || input === null) throw new Error(`${where}: expected an object`);
  const device = input as Record<string, unknown>;
  for (const field of STRING_FIELDS) {
    if (typeof device[field] !== 'string') throw new Error(`${where}.${field}: expected a string, got ${JSON.stringify(device[field])}`);
  }
  if (!DEVICE_ALGS.includes(device.alg as DeviceAlg)) {
    throw new Error(`${where}.alg: expected one of ${DEVICE_ALGS.join(', ')}, got ${JSON.stringify(device.alg)}`);
  }
  if (typeof device.enrolled_at !== 'number') throw new Error(`${where}.enrolled_at: expected a number`);
  if (device.vault_key !== undefined && typeof device.vault_key !== 'string') throw new Error(`${where}.vault_key: expected a string`);
  const jwk = parseDevicePublicJwk(device.public_jwk);
  if (typeof jwk === 'string') throw new Error(`${where}.public_jwk: ${jwk}`);
  return { ...(device as StoredDevice), public_jwk: jwk };
}

/** The devices in `file`; a file that does not exist yet is an empty store. */
export async function loadDevices(file: string): Promise<StoredDevice[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  try {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (error) {
      throw new Error(`not valid JSON (${(error as Error).message})`);
    }
    const store = parsed as Partial<KeyStoreFile> | null;
    if (store?.version !== 1 || !Array.isArray(store.devices)) throw new Error('expected {"version": 1, "devices": [...]}');
    return store.devices.map((device, index) => parseDevice(device, `devices[${index}]`));
  } catch (error) {
    throw new Error(`key store ${file} is corrupt: ${(error as Error).message}`);
  }
}

/** Replaces the store with `devices`: temp file 0600 in the same directory, then rename. */
export async function saveDevices(file: string, devices: StoredDevice[]): Promise<void> {
  await mkdir(dirname(file), { recursive: true, mode: 0o700 });
  const temp = `${file}.${randomBytes(6).toString('hex')}.tmp`;
  const store: KeyStoreFile = { version: 1, devices };
  try {
    await writeFile(temp, `${JSON.stringify(store, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
    // The mode given at creation is cut by the umask; set it outright.
    await chmod(temp, 0o600);
    await rename(temp, file);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}
