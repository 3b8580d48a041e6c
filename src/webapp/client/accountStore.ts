// The accounts on this phone, in IndexedDB: one record per enrolled key (so several issuers and
// several accounts on one issuer), holding its non-extractable CryptoKeys, never key bytes.
import type { DeviceAlg, DevicePublicJwk } from '../../protocol/jwk.ts';

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

const DB_NAME = 'scanin';
const STORE = 'accounts';

function open(): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open(DB_NAME, 1);
    request.onupgradeneeded = () => request.result.createObjectStore(STORE, { keyPath: 'deviceId' });
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

async function run<T>(mode: IDBTransactionMode, work: (store: IDBObjectStore) => IDBRequest<T>): Promise<T> {
  const db = await open();
  try {
    return await new Promise<T>((resolve, reject) => {
      const request = work(db.transaction(STORE, mode).objectStore(STORE));
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
  } finally {
    db.close();
  }
}

export async function listAccounts(): Promise<Account[]> {
  const accounts = await run<Account[]>('readonly', (store) => store.getAll() as IDBRequest<Account[]>);
  return accounts.sort((a, b) => a.issuer.localeCompare(b.issuer) || a.email.localeCompare(b.email));
}

export const findAccount = (deviceId: string) => run<Account | undefined>('readonly', (store) => store.get(deviceId) as IDBRequest<Account | undefined>);
export const saveAccount = (account: Account) => run('readwrite', (store) => store.put(account));
export const removeAccount = (deviceId: string) => run('readwrite', (store) => store.delete(deviceId));
