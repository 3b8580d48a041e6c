// The one way to reach the database: a knex instance for SQLite (embedded default) or PostgreSQL.
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import knex, { type Knex } from 'knex';
import pg from 'pg';
import type { DatabaseConfig } from '../config/env.ts';
import type { Logger } from '../log/logger.ts';

export type Db = Knex;

/** Set on every SQLite connection, in this order. */
const SQLITE_PRAGMAS = [
  // First: a second process (the CLI) may open the file while the server writes, and even
  // switching to WAL must then wait instead of failing at once.
  'PRAGMA busy_timeout = 5000',
  // WAL keeps readers unblocked by the writer.
  'PRAGMA journal_mode = WAL',
  // In WAL mode NORMAL syncs the log at checkpoints, not at every commit: a crash of Scanin (or
  // a SIGKILL) loses nothing, a power cut may lose the last commits but never corrupts the file.
  // FULL (the default) costs an fsync per statement; see the README for the choice.
  'PRAGMA synchronous = NORMAL',
  'PRAGMA foreign_keys = ON',
];

/** knex's own warnings (a dropped connection, a failed acquire) as log records, not console text. */
function knexLog(log: Logger | undefined): Knex.Config['log'] {
  if (!log) return undefined;
  const db = log.child({ component: 'database' });
  return {
    warn: (message: unknown) => db.warn(String(message)),
    error: (message: unknown) => db.error(String(message)),
    deprecate: (method: unknown, alternative: unknown) => db.warn(`${String(method)} is deprecated: use ${String(alternative)}`),
    debug: (message: unknown) => db.debug(typeof message === 'string' ? message : { detail: message }, 'knex'),
  };
}

export function openDatabase(config: DatabaseConfig, log?: Logger): Db {
  if (config.client === 'postgres') {
    // Times are stored as bigint seconds; pg returns int8 as strings unless told otherwise.
    pg.types.setTypeParser(pg.types.builtins.INT8, (value: string) => Number(value));
    return knex({ client: 'pg', connection: config.connectionString, pool: { min: 0, max: 10 }, log: knexLog(log) });
  }
  if (config.filename !== ':memory:') mkdirSync(dirname(config.filename), { recursive: true });
  return knex({
    client: 'sqlite3',
    connection: { filename: config.filename },
    useNullAsDefault: true,
    log: knexLog(log),
    // One connection: SQLite serialises writers anyway, and a single connection makes every
    // conditional update atomic with respect to the others without SQLITE_BUSY retries.
    pool: {
      min: 1,
      max: 1,
      afterCreate(conn: { run: (sql: string, cb: (err: Error | null) => void) => void }, done: (err: Error | null, conn: unknown) => void) {
        const next = (i: number) => (err: Error | null) => (err || i === SQLITE_PRAGMAS.length ? done(err, conn) : conn.run(SQLITE_PRAGMAS[i]!, next(i + 1)));
        next(0)(null);
      },
    },
  });
}
