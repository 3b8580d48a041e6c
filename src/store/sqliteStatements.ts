// knex's SQLite client, with each SQL text prepared once per connection and then reused. knex
// itself runs every query through `Database#all`/`#run`, which prepares a fresh statement,
// runs it and finalizes it: two more hops through libuv's thread pool per query, and the
// finalize (on the main thread) waits on the connection's mutex while another statement runs.
// A login runs about thirty statements of a dozen distinct shapes (the bindings differ, not the
// text), so a small cache of prepared statements removes most of that work.
//
// Safe to reuse: node-sqlite3 resets a statement and rebinds its parameters before every run,
// and a statement that ran to completion holds no lock or read snapshot. A statement whose run
// failed is dropped (and finalized) rather than trusted again.
import Client_SQLite3 from 'knex/lib/dialects/sqlite3/index.js';

type Callback = (this: { lastID?: number; changes?: number }, error: Error | null, rows?: unknown[]) => void;
type Statement = { all(params: unknown[], cb: Callback): void; run(params: unknown[], cb: Callback): void; finalize(cb?: () => void): void };
type Connection = { prepare(sql: string, cb: (error: Error | null) => void): Statement; close(cb: (error: Error | null) => void): void };
type QueryObject = { sql?: string; bindings?: unknown[]; method?: string; returning?: unknown; response?: unknown; context?: { lastID?: number; changes?: number } };

/** Distinct SQL texts kept per connection; the least recently used one is finalized beyond it. */
const CACHED_STATEMENTS = 200;

// By connection, outside the client: knex runs a transaction's queries on a copy of the client
// made with Object.create from its class, without the instance's own fields.
const caches = new WeakMap<Connection, Map<string, Promise<Statement>>>();

function cacheOf(connection: Connection): Map<string, Promise<Statement>> {
  let cache = caches.get(connection);
  if (!cache) caches.set(connection, (cache = new Map()));
  return cache;
}

export class CachedStatementsSqlite3 extends Client_SQLite3 {
  private statement(connection: Connection, sql: string): Promise<Statement> {
    const cache = cacheOf(connection);
    const cached = cache.get(sql);
    if (cached) {
      // Most recently used last: Map keeps insertion order, so the first key is the one to evict.
      cache.delete(sql);
      cache.set(sql, cached);
      return cached;
    }
    const prepared = new Promise<Statement>((resolve, reject) => {
      // node-sqlite3 drops (never calls back) what was queued on a statement that failed to
      // prepare, so nothing runs on it before this callback says it is ready.
      const statement = connection.prepare(sql, (error) => {
        if (!error) return resolve(statement);
        if (cache.get(sql) === prepared) cache.delete(sql);
        reject(error);
      });
    });
    prepared.catch(() => {}); // the caller gets the rejection; this only keeps it from being "unhandled"
    cache.set(sql, prepared);
    if (cache.size > CACHED_STATEMENTS) {
      const [oldest, statement] = cache.entries().next().value!;
      cache.delete(oldest);
      // Queued behind whatever still runs on it: node-sqlite3 orders a statement's calls.
      void statement.then((s) => s.finalize(), () => {});
    }
    return prepared;
  }

  private forget(connection: Connection, sql: string, statement: Promise<Statement>): void {
    const cache = cacheOf(connection);
    if (cache.get(sql) !== statement) return;
    cache.delete(sql);
    void statement.then((s) => s.finalize(), () => {});
  }

  // The same contract as knex's own `_query`: `all` for what returns rows, `run` otherwise, and
  // `lastID`/`changes` in `obj.context` for processResponse.
  override async _query(connection: Connection, obj: QueryObject): Promise<QueryObject> {
    if (!obj.sql) throw new Error('The query is empty');
    const method = (obj.method === 'insert' || obj.method === 'update') && !obj.returning ? 'run' : obj.method === 'counter' || obj.method === 'del' ? 'run' : 'all';
    const sql = obj.sql;
    const pending = this.statement(connection, sql);
    const statement = await pending;
    const forget = () => this.forget(connection, sql, pending);
    return new Promise((resolve, reject) => {
      // A function, not an arrow: node-sqlite3 passes lastID and changes as `this`.
      statement[method](obj.bindings ?? [], function (error, rows) {
        if (error) {
          forget();
          return reject(error);
        }
        obj.response = rows;
        obj.context = { lastID: this.lastID, changes: this.changes };
        resolve(obj);
      });
    });
  }

  override async destroyRawConnection(connection: Connection): Promise<void> {
    // sqlite3_close refuses a connection with statements left unfinalized.
    const cache = caches.get(connection);
    caches.delete(connection);
    if (cache) {
      await Promise.all([...cache.values()].map((statement) => statement.then((s) => new Promise<void>((done) => s.finalize(() => done())), () => {})));
    }
    return super.destroyRawConnection(connection);
  }
}
