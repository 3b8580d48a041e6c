// knex's SQLite client, with two changes that cut what each statement costs on top of SQLite's
// own work (see docs/performance.md):
//
// - Each SQL text is prepared once per connection and then reused. knex itself runs every query
//   through `Database#all`/`#run`, which prepares a fresh statement, runs it and finalizes it:
//   two more hops through libuv's thread pool per query, and the finalize (on the main thread)
//   waits on the connection's mutex while another statement runs. A login runs about thirty
//   statements of a dozen distinct shapes (the bindings differ, not the text), so a small cache
//   of prepared statements removes most of that work. Safe to reuse: node-sqlite3 resets a
//   statement and rebinds its parameters before every run, and a statement that ran to
//   completion holds no lock or read snapshot. A statement whose run failed is dropped (and
//   finalized) rather than trusted again.
// - Statements share the one connection instead of taking it from knex's pool in turn
//   (sqliteSharedConnection.ts); a transaction still has it alone.
//
// And two for a second process on the file (the CLI beside the server), where busy_timeout alone
// leaves SQLITE_BUSY (see mayRunAgain and GatedTransaction.begin).
import Client_SQLite3 from 'knex/lib/dialects/sqlite3/index.js';
import Transaction_Sqlite from 'knex/lib/dialects/sqlite3/execution/sqlite-transaction.js';
import { SharedConnection } from './sqliteSharedConnection.ts';

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

/** Times a statement that found the file locked past busy_timeout runs again before its caller sees SQLITE_BUSY. */
const BUSY_RETRIES = 2;

/** The BEGIN of a write transaction: it takes the write lock at once (see GatedTransaction.begin). */
const BEGIN_WRITE = 'BEGIN IMMEDIATE;';

/**
 * A transaction has the connection to itself: it waits for the statements running on it, and holds off new ones until it ends.
 * It begins IMMEDIATE, holding the write lock from its first statement: a deferred BEGIN reads on
 * a snapshot, and its first write then fails at once with SQLITE_BUSY (no busy_timeout helps)
 * whenever another process wrote since, as `scanin revoke` did beside a running server.
 */
class GatedTransaction extends Transaction_Sqlite {
  override begin(connection: Connection): Promise<unknown> {
    return this.query(connection, this.readOnly ? 'BEGIN;' : BEGIN_WRITE);
  }

  override async acquireConnection(config: { connection?: Connection } | undefined, cb: (connection: Connection) => Promise<unknown>): Promise<unknown> {
    const client = this.client as CachedStatementsSqlite3;
    // A nested transaction (a savepoint) runs on its parent's connection, already held.
    if (config?.connection || client.transacting) return super.acquireConnection(config, cb);
    await client.shared.gate.enter(true);
    let connection: (Connection & { __knexTxId?: string }) | undefined;
    try {
      connection = await client.sharedConnection();
      return await super.acquireConnection({ ...config, connection }, cb);
    } finally {
      // knex clears the transaction's mark only on a connection it took from the pool itself;
      // left on the shared one, it would label later statements' query events as this transaction's.
      if (connection) delete connection.__knexTxId;
      client.shared.gate.leave(true);
    }
  }
}

export class CachedStatementsSqlite3 extends Client_SQLite3 {
  readonly shared = new SharedConnection<Connection>();

  sharedConnection(): Promise<Connection> {
    return this.shared.get(() => super.acquireConnection() as Promise<Connection>);
  }

  override async acquireConnection(): Promise<Connection> {
    await this.shared.gate.enter(false);
    try {
      return await this.sharedConnection();
    } catch (error) {
      this.shared.gate.leave(false);
      throw error;
    }
  }

  override releaseConnection(): Promise<void> {
    this.shared.gate.leave(false);
    return Promise.resolve();
  }

  override transaction(...args: unknown[]): unknown {
    return new GatedTransaction(this, ...args);
  }

  override async destroy(callback?: unknown): Promise<void> {
    await this.shared.release((connection) => this.pool.release(connection));
    return super.destroy(callback);
  }

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
    // No helper closure assigned here: tsx (esbuild's keepNames) names each such function with a
    // defineProperty, on every query (~0.5% of the main thread in bench/profile.ts).
    const client = this;
    return new Promise((resolve, reject) => {
      // A function, not an arrow: node-sqlite3 passes lastID and changes as `this`.
      const run = (retries: number) =>
        statement[method](obj.bindings ?? [], function (error, rows) {
          if (error) {
            if (retries > 0 && client.mayRunAgain(connection, sql, error)) return run(retries - 1);
            client.forget(connection, sql, pending);
            return reject(error);
          }
          obj.response = rows;
          obj.context = { lastID: this.lastID, changes: this.changes };
          resolve(obj);
        });
      run(BUSY_RETRIES);
    });
  }

  /**
   * Whether a statement refused for a lock another process held past busy_timeout may simply run
   * again: one outside a transaction changed nothing, nor did a write transaction's BEGIN; inside
   * a transaction it may not (the transaction fails whole, and says so).
   */
  private mayRunAgain(connection: Connection & { __knexTxId?: string }, sql: string, error: Error & { code?: string }): boolean {
    return error.code === 'SQLITE_BUSY' && (sql === BEGIN_WRITE || !connection.__knexTxId);
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
