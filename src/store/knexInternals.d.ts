// The one internal module of knex Scanin uses (see sqliteStatements.ts): its SQLite client class,
// to subclass. knex has no `exports` map, so the path is stable across its 3.x releases.
declare module 'knex/lib/dialects/sqlite3/index.js' {
  export default class Client_SQLite3 {
    constructor(config: unknown);
    _query(connection: unknown, obj: unknown): Promise<unknown>;
    destroyRawConnection(connection: unknown): Promise<void>;
  }
}
