// The internal modules of knex Scanin uses (see sqliteStatements.ts): its SQLite client and
// transaction classes, to subclass. knex has no `exports` map, so the paths are stable across its
// 3.x releases.
declare module 'knex/lib/dialects/sqlite3/index.js' {
  export default class Client_SQLite3 {
    constructor(config: unknown);
    readonly pool: { release(resource: unknown): boolean };
    readonly transacting?: boolean;
    _query(connection: unknown, obj: unknown): Promise<unknown>;
    acquireConnection(): Promise<unknown>;
    releaseConnection(connection: unknown): Promise<void>;
    transaction(...args: unknown[]): unknown;
    destroy(callback?: unknown): Promise<void>;
    destroyRawConnection(connection: unknown): Promise<void>;
  }
}

declare module 'knex/lib/dialects/sqlite3/execution/sqlite-transaction.js' {
  export default class Transaction_Sqlite {
    constructor(client: unknown, ...args: unknown[]);
    readonly client: unknown;
    readonly readOnly?: boolean;
    begin(connection: unknown): Promise<unknown>;
    query(connection: unknown, sql: string): Promise<unknown>;
    acquireConnection(config: any, cb: (connection: any) => Promise<unknown>): Promise<unknown>;
  }
}
