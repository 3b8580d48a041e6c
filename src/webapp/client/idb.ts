// One IndexedDB object store of this app, opened for each piece of work and closed after it, so
// no connection outlives its use (another tab can then upgrade the database).
export type StoreRunner = <T>(mode: IDBTransactionMode, work: (store: IDBObjectStore) => IDBRequest<T>) => Promise<T>;

/** `options`: how the store keys its records (a keyPath), or nothing for keys given with each put. */
export function objectStore(database: string, name: string, options?: IDBObjectStoreParameters): StoreRunner {
  const open = () => new Promise<IDBDatabase>((resolve, reject) => {
    const request = indexedDB.open(database, 1);
    request.onupgradeneeded = () => request.result.createObjectStore(name, options);
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
  return async (mode, work) => {
    const db = await open();
    try {
      return await new Promise((resolve, reject) => {
        const request = work(db.transaction(name, mode).objectStore(name));
        request.onsuccess = () => resolve(request.result);
        request.onerror = () => reject(request.error);
      });
    } finally {
      db.close();
    }
  };
}
