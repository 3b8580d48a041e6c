// SQLite beside a second process holding the write lock (the CLI beside a running server): a
// write transaction waits for the lock instead of failing with SQLITE_BUSY, and a statement
// refused once busy_timeout has run out runs again.
import { join } from 'node:path';
import sqlite3 from 'sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, type Db } from '../../src/store/db.ts';
import { testDir } from '../helpers/scanin.ts';

/** A connection of another process's kind: its own handle on the file, no busy_timeout. */
class OtherConnection {
  private readonly db: sqlite3.Database;

  constructor(file: string) {
    this.db = new sqlite3.Database(file);
  }

  run(sql: string): Promise<void> {
    return new Promise((resolve, reject) => this.db.run(sql, (error) => (error ? reject(error) : resolve())));
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.db.close(() => resolve()));
  }
}

/** Resolves once `db` has sent SQLite a statement matching `match` (it is then waiting on the lock, or done). */
function sent(db: Db, match: RegExp): Promise<void> {
  return new Promise((resolve) => {
    const listener = (query: { sql: string }) => {
      if (!match.test(query.sql)) return;
      db.off('query', listener);
      // The event comes just before the statement reaches SQLite's thread.
      setTimeout(resolve, 200);
    };
    db.on('query', listener);
  });
}

describe('SQLite with another process holding the write lock', () => {
  let file: string;
  let db: Db;
  let other: OtherConnection;

  beforeEach(async () => {
    file = join(testDir(), 'busy.db');
    db = openDatabase({ client: 'sqlite', filename: file });
    await db.schema.createTable('things', (table) => {
      table.string('name').primary();
      table.integer('count').notNullable();
    });
    await db('things').insert({ name: 'a', count: 0 });
    other = new OtherConnection(file);
  });

  afterEach(async () => {
    await other.close();
    await db.destroy();
  });

  it('a transaction that reads, then writes, waits for the lock and commits, though the other wrote meanwhile', async () => {
    await other.run('BEGIN IMMEDIATE');
    await other.run(`INSERT INTO things (name, count) VALUES ('b', 0)`);
    const waiting = sent(db, /^update|^BEGIN IMMEDIATE/i);
    const transaction = db.transaction(async (trx) => {
      const row = (await trx('things').where({ name: 'a' }).first()) as { count: number };
      await trx('things').where({ name: 'a' }).update({ count: row.count + 1 });
    });
    await waiting;
    await other.run('COMMIT');
    await transaction;
    expect(await db('things').orderBy('name').select('name', 'count')).toEqual([{ name: 'a', count: 1 }, { name: 'b', count: 0 }]);
  });

  it('a statement refused after busy_timeout (5 s) runs again, and succeeds once the lock is free', { timeout: 30_000 }, async () => {
    await other.run('BEGIN IMMEDIATE');
    await other.run(`UPDATE things SET count = 10 WHERE name = 'a'`);
    const update = db('things').where({ name: 'a' }).increment('count', 1);
    const outcome = update.then(() => 'done', (error: Error) => error.message);
    await sent(db, /^update/i);
    // Past the first busy_timeout: the update was refused once and waits again.
    await new Promise((resolve) => setTimeout(resolve, 6_000));
    await other.run('COMMIT');
    expect(await outcome).toBe('done');
    expect(await db('things').where({ name: 'a' }).first('count')).toEqual({ count: 11 });
  });
});
