// The accounts on this phone, in IndexedDB: one record per enrolled key (so several issuers and
// several accounts on one issuer), holding its non-extractable CryptoKeys, never key bytes.
import type { DeviceAlg, DevicePublicJwk } from '../../protocol/jwk.ts';
import { objectStore } from './idb.ts';

export type Account = {
  deviceId: string;
  issuer: string;
  sub: string;
  email: string;
  name: string;
  deviceName: string;
  alg: DeviceAlg;
  privateKey: CryptoKey;
  publicJwk: DevicePublicJwk;
  vaultKey: CryptoKey;
  status: string;
  /** Seconds since the epoch. */
  enrolledAt: number;
};

const run = objectStore('scanin', 'accounts', { keyPath: 'deviceId' });

export async function listAccounts(): Promise<Account[]> {
  const accounts = await run<Account[]>('readonly', (store) => store.getAll() as IDBRequest<Account[]>);
  return accounts.sort((a, b) => a.issuer.localeCompare(b.issuer) || a.email.localeCompare(b.email));
}

export const findAccount = (deviceId: string) => run<Account | undefined>('readonly', (store) => store.get(deviceId) as IDBRequest<Account | undefined>);
export const saveAccount = (account: Account) => run('readwrite', (store) => store.put(account));
export const removeAccount = (deviceId: string) => run('readwrite', (store) => store.delete(deviceId));
