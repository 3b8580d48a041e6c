// The storage a benchmark runs on: a fresh SQLite file, or a fresh database on the PostgreSQL at
// BENCH_POSTGRES_URL (default: postgres@127.0.0.1:5432, as in the README), dropped afterwards.
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

export type Storage = 'sqlite' | 'postgres';
export type BenchDatabase = { url: string; drop(): Promise<void> };

const ADMIN_URL = process.env.BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

async function admin(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: ADMIN_URL });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** Whether PostgreSQL answers; the PostgreSQL rows are left out when it does not. */
export async function postgresAvailable(): Promise<boolean> {
  return admin('select 1').then(() => true, () => false);
}

export function benchDir(): string {
  return mkdtempSync(join(tmpdir(), 'scanin-bench-'));
}

export async function createBenchDatabase(storage: Storage, name: string): Promise<BenchDatabase> {
  if (storage === 'sqlite') return { url: `sqlite:${join(benchDir(), `${name}.db`)}`, drop: async () => {} };
  const database = `scanin_bench_${name}_${randomBytes(4).toString('hex')}`;
  await admin(`CREATE DATABASE ${database}`);
  const url = new URL(ADMIN_URL);
  url.pathname = `/${database}`;
  return { url: url.href, drop: () => admin(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`) };
}
