// The databases tests run against: a fresh SQLite file, and a fresh database on the real
// PostgreSQL the test run found or started (test/setup/globalSetup.ts), dropped afterwards.
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, inject } from 'vitest';
import { parseDatabaseUrl } from '../../src/config/env.ts';
import { openDatabase, type Db } from '../../src/store/db.ts';
import { migrate } from '../../src/store/migrate.ts';
import { testDir } from './scanin.ts';

const POSTGRES_ADMIN_URL = inject('postgresUrl');

export type TestDatabase = { kind: 'sqlite' | 'postgres'; url: string; drop(): Promise<void> };

/** Runs `task` as PostgreSQL's administrator (to make, break or drop test databases). */
export async function admin<T>(task: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: POSTGRES_ADMIN_URL });
  await client.connect();
  try {
    return await task(client);
  } finally {
    await client.end();
  }
}

export async function createTestDatabase(kind: 'sqlite' | 'postgres'): Promise<TestDatabase> {
  if (kind === 'sqlite') return { kind, url: `sqlite:${join(testDir(), 'scanin.db')}`, drop: async () => {} };
  const name = `scanin_test_${randomBytes(6).toString('hex')}`;
  await admin((client) => client.query(`CREATE DATABASE ${name}`));
  const url = new URL(POSTGRES_ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    kind,
    url: url.href,
    drop: () => admin((client) => client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).then(() => undefined),
  };
}

export const DATABASE_KINDS = ['sqlite', 'postgres'] as const;

/**
 * A fresh, migrated database of `kind` for the calling describe block, opened before its tests
 * and closed and dropped after them. Call `db()` inside tests.
 */
export function useMigratedDatabase(kind: 'sqlite' | 'postgres'): { db: () => Db } {
  let database: TestDatabase;
  let db: Db;
  beforeAll(async () => {
    database = await createTestDatabase(kind);
    db = openDatabase(parseDatabaseUrl(database.url));
    await migrate(db);
  });
  afterAll(async () => {
    await db?.destroy();
    await database?.drop();
  });
  return { db: () => db };
}
