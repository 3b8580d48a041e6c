// The one way to reach the database: a knex instance for SQLite (embedded default) or PostgreSQL.
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import knex, { type Knex } from 'knex';
import pg from 'pg';
import { ConfigError, type DatabaseConfig } from '../config/env.ts';
import type { Logger } from '../log/logger.ts';
import { CachedStatementsSqlite3 } from './sqliteStatements.ts';

export type Db = Knex;

export const isPostgres = (db: Db): boolean => (db.client as { dialect: string }).dialect === 'postgresql';

/** A page of a list: `limit` rows from `offset` (the admin console's pages). */
export type ListWindow = { limit: number; offset: number };

/**
 * `column` ordered by code point on both stores (`.orderByRaw(...byCodePoint(db, column))`), as SQLite's default collation does (PostgreSQL's
 * follows the database's locale, which skips punctuation): lists come in the same order anywhere.
 */
export function byCodePoint(db: Db, column: string): [string, string[]] {
  return [isPostgres(db) ? '?? collate "C"' : '??', [column]];
}

/** `text` as a LIKE pattern matching it anywhere, its own % _ and \\ taken literally (use with `escape '\\'`). */
export function containsPattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/** Set on every SQLite connection, in this order. */
const SQLITE_PRAGMAS = [
  // First: a second process (the CLI) may open the file while the server writes, and even
  // switching to WAL must then wait instead of failing at once.
  'PRAGMA busy_timeout = 5000',
  // WAL keeps readers unblocked by the writer.
  'PRAGMA journal_mode = WAL',
  // In WAL mode NORMAL syncs the log at checkpoints, not at every commit: a crash of Scanin (or
  // a SIGKILL) loses nothing, a power cut may lose the last commits but never corrupts the file.
  // FULL (the default) costs an fsync per statement; docs/performance.md says why.
  'PRAGMA synchronous = NORMAL',
  'PRAGMA foreign_keys = ON',
];

/**
 * knex's own warnings as log records, not console text. Its "Acquire connection error", with the
 * driver's stack, is left out: the error itself reaches the caller, which says it once (at start,
 * connectDatabase's one line).
 */
function knexLog(log: Logger | undefined): Knex.Config['log'] {
  const db = log?.child({ component: 'database' });
  const warn = (message: unknown) => {
    const text = String(message);
    if (text.startsWith('Acquire connection error')) return;
    if (db) db.warn(text);
    else console.warn(text);
  };
  if (!db) return { warn };
  return {
    warn,
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
  // Only the default ./data can be missing here: DATABASE_URL's directory must exist (config/env.ts).
  if (config.filename !== ':memory:') mkdirSync(dirname(config.filename), { recursive: true });
  return knex({
    // knex's sqlite3 client, reusing prepared statements (see sqliteStatements.ts).
    client: CachedStatementsSqlite3 as unknown as Knex.Config['client'],
    connection: { filename: config.filename },
    useNullAsDefault: true,
    log: knexLog(log),
    // One connection: SQLite serialises writers anyway, and a single connection makes every
    // conditional update atomic with respect to the others without SQLITE_BUSY retries. The
    // statements share it; a transaction has it alone (sqliteSharedConnection.ts).
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

/** Where a database configuration points, for messages: the file, or the server and database (never the password). */
export function describeDatabase(config: DatabaseConfig): string {
  if (config.client === 'sqlite') return config.filename;
  const url = new URL(config.connectionString);
  return `${url.protocol}//${url.username ? `${decodeURIComponent(url.username)}@` : ''}${url.host}${url.pathname}`;
}

/**
 * Opens the database and proves it answers, so a wrong role, host or path stops the caller with
 * one line naming DATABASE_URL, what it points at and why, instead of a driver's stack trace.
 */
export async function connectDatabase(config: DatabaseConfig, log?: Logger): Promise<Db> {
  let db: Db | undefined;
  try {
    db = openDatabase(config, log);
    await db.raw('SELECT 1');
    return db;
  } catch (error) {
    await db?.destroy();
    const { message, code } = error as { message?: string; code?: string };
    throw new ConfigError('DATABASE_URL', `cannot connect to ${describeDatabase(config)} (${message || code || String(error)})`);
  }
}
