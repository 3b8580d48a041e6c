// The one connection of knex's SQLite client (see sqliteStatements.ts), shared by the statements
// that run on it instead of taken from the pool by each in turn. Taking it in turn costs a trip
// through the pool (tarn's promises and bookkeeping) per statement, and keeps a statement from
// being handed to SQLite until the one before it has come back to JavaScript, so the thread that
// runs them sleeps and is woken again between every two. Measured on the whole login, interleaved:
// about a tenth less server CPU (docs/performance.md).
//
// Safe because node-sqlite3 runs each statement whole under the connection's mutex: two
// statements on one connection never interleave their steps, as two on the pool's turns never
// did. Single statements are atomic in SQLite (autocommit); a transaction is not, so it takes the
// connection alone: it waits for the statements running, and new ones wait for it to end.

/**
 * A statement waiting for another process's write lock (busy_timeout, up to 5 s) holds the
 * connection's mutex in a libuv pool thread, and every statement behind it blocks a thread of its
 * own: libuv has four, shared with crypto (the engine signs ID tokens there) and file reads. Two
 * in flight keep SQLite busy back to back and leave the other threads free.
 */
const STATEMENTS_IN_FLIGHT = 2;

/** Who may use the one connection: up to STATEMENTS_IN_FLIGHT single statements at once, or one transaction alone. First come, first served. */
export class ConnectionGate {
  private statements = 0;
  private transaction = false;
  private readonly waiting: Array<{ transaction: boolean; go: () => void }> = [];

  enter(transaction: boolean): Promise<void> {
    if (this.waiting.length === 0 && this.mayEnter(transaction)) {
      this.admit(transaction);
      return Promise.resolve();
    }
    return new Promise((go) => this.waiting.push({ transaction, go }));
  }

  leave(transaction: boolean): void {
    if (transaction) this.transaction = false;
    else this.statements -= 1;
    while (this.waiting.length > 0 && this.mayEnter(this.waiting[0]!.transaction)) {
      const next = this.waiting.shift()!;
      this.admit(next.transaction);
      next.go();
    }
  }

  private mayEnter(transaction: boolean): boolean {
    return !this.transaction && (transaction ? this.statements === 0 : this.statements < STATEMENTS_IN_FLIGHT);
  }

  private admit(transaction: boolean): void {
    if (transaction) this.transaction = true;
    else this.statements += 1;
  }
}

/**
 * The pool's one connection, taken from it once and kept: statements share it through the gate
 * instead of each taking it from the pool in turn. One object for the client and the copies knex
 * makes of it (its migrator's, with lodash's merge, which copies a class instance by reference).
 */
export class SharedConnection<Connection> {
  readonly gate = new ConnectionGate();
  private held: Promise<Connection> | undefined;

  get(fromPool: () => Promise<Connection>): Promise<Connection> {
    if (!this.held) {
      const held = fromPool();
      this.held = held;
      // A connection that could not be made is tried again by the next statement.
      held.catch(() => {
        if (this.held === held) this.held = undefined;
      });
    }
    return this.held;
  }

  /** Once what runs on it has ended, gives the connection back to the pool (as the client is destroyed). */
  async release(toPool: (connection: Connection) => void): Promise<void> {
    await this.gate.enter(true);
    const held = this.held;
    this.held = undefined;
    const connection = await held?.catch(() => undefined);
    if (connection) toPool(connection);
    this.gate.leave(true);
  }
}

