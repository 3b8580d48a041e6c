// Runs the migrations in /migrations. Each file exports `up` and `down`; knex records what ran,
// so starting any number of times (or instances) applies each migration once.
import { readdir } from 'node:fs/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Knex } from 'knex';
import type { Db } from './db.ts';

const MIGRATIONS_DIR = fileURLToPath(new URL('../../migrations/', import.meta.url));

type Migration = { up: (db: Knex) => Promise<void>; down: (db: Knex) => Promise<void> };

const source: Knex.MigrationSource<string> = {
  async getMigrations() {
    const files = await readdir(MIGRATIONS_DIR);
    // 004_x, then 004a_y, 004b_z: an engineer with one number may need more than one file.
    return files.filter((file) => /^\d+[a-z]?_[\w-]+\.ts$/.test(file)).sort();
  },
  getMigrationName(file) {
    return file.replace(/\.ts$/, '');
  },
  async getMigration(file) {
    return (await import(pathToFileURL(MIGRATIONS_DIR + file).href)) as Migration;
  },
};

/** Applies pending migrations; returns the names of those it ran. */
export async function migrate(db: Db): Promise<string[]> {
  const [, names] = (await db.migrate.latest({ migrationSource: source })) as [number, string[]];
  return names;
}

/**
 * The migrations this code has that the database has not run: what readiness checks. Read-only
 * (unlike knex's own listing, which creates its table when missing); a migration the database has
 * and this code lacks (a newer instance ran it) is no reason to stop serving.
 */
export async function pendingMigrations(db: Db): Promise<string[]> {
  const [files, done] = await Promise.all([source.getMigrations([]), db('knex_migrations').pluck('name') as Promise<string[]>]);
  const completed = new Set(done);
  return files.map((file) => source.getMigrationName(file)).filter((name) => !completed.has(name));
}
