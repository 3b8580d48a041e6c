// SQLite through knex with prepared statements reused (src/store/sqliteStatements.ts): every
// query answers exactly as with a fresh statement, a failing statement is never trusted again, a
// reused statement holds no lock, and the connection still closes.
import { join } from 'node:path';
import knex from 'knex';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, type Db } from '../../src/store/db.ts';
import { testDir } from '../helpers/scanin.ts';

type RawConnection = { prepare: (...args: unknown[]) => unknown };

/** Counts the statements prepared on the database's one connection from now on. */
async function countPrepares(db: Db): Promise<() => number> {
  const connection = (await db.client.acquireConnection()) as RawConnection;
  let prepared = 0;
  const prepare = connection.prepare;
  connection.prepare = function (this: unknown, ...args: unknown[]) {
    prepared += 1;
    return prepare.apply(this, args);
  };
  await db.client.releaseConnection(connection);
  return () => prepared;
}

describe('prepared statements reused on SQLite', () => {
  let file: string;
  let db: Db;

  beforeEach(async () => {
    file = join(testDir(), 'statements.db');
    db = openDatabase({ client: 'sqlite', filename: file });
    await db.schema.createTable('things', (table) => {
      table.increments('id');
      table.string('name').notNullable().unique();
      table.integer('count').notNullable().defaultTo(0);
    });
  });

  afterEach(async () => {
    await db.destroy();
  });

  it('prepares a query text once and reuses it with other bindings', async () => {
    await db('things').insert([{ name: 'a' }, { name: 'b' }, { name: 'c' }]);
    const prepared = await countPrepares(db);
    const names: string[] = [];
    for (const name of ['a', 'b', 'c', 'a', 'b', 'c']) names.push((await db('things').where({ name }).first()).name);
    expect(names).toEqual(['a', 'b', 'c', 'a', 'b', 'c']);
    expect(prepared()).toBe(1);
  });

  it('answers inserts with the new row id and updates and deletes with the rows they changed', async () => {
    expect(await db('things').insert({ name: 'a' })).toEqual([1]);
    expect(await db('things').insert({ name: 'b' })).toEqual([2]);
    expect(await db('things').where({ name: 'a' }).update({ count: 5 })).toBe(1);
    expect(await db('things').where({ name: 'nobody' }).update({ count: 5 })).toBe(0);
    expect(await db('things').insert({ name: 'c' }).returning('id')).toEqual([{ id: 3 }]);
    expect(await db('things').where('id', '>', 1).delete()).toBe(2);
    expect(await db('things').select('name', 'count')).toEqual([{ name: 'a', count: 5 }]);
  });

  it('keeps the bindings of concurrent runs of one statement apart', async () => {
    await db('things').insert(Array.from({ length: 50 }, (_, i) => ({ name: `n${i}`, count: i })));
    const counts = await Promise.all(Array.from({ length: 50 }, (_, i) => db('things').where({ name: `n${i}` }).first('count')));
    expect(counts.map((row: { count: number }) => row.count)).toEqual(Array.from({ length: 50 }, (_, i) => i));
  });

  it('rejects a query that does not prepare, every time, and goes on serving others', async () => {
    for (let attempt = 0; attempt < 2; attempt++) {
      await expect(db.raw('select * from no_such_table')).rejects.toThrow(/no such table/);
    }
    expect(await db('things').count({ n: '*' })).toEqual([{ n: 0 }]);
  });

  it('rejects a failing run with its error, and runs the same statement afterwards', async () => {
    await db('things').insert({ name: 'a' });
    await expect(db('things').insert({ name: 'a' })).rejects.toThrow(/UNIQUE constraint failed/);
    expect(await db('things').insert({ name: 'b' })).toEqual([2]);
  });

  it('commits and rolls back transactions on the reused statements', async () => {
    await db.transaction(async (trx) => {
      await trx('things').insert({ name: 'kept' });
    });
    await expect(
      db.transaction(async (trx) => {
        await trx('things').insert({ name: 'undone' });
        throw new Error('give up');
      }),
    ).rejects.toThrow('give up');
    expect(await db('things').pluck('name')).toEqual(['kept']);
  });

  it('holds no read snapshot after a reused select: another connection can checkpoint the whole log', async () => {
    await db('things').insert({ name: 'a' });
    for (let i = 0; i < 3; i++) await db('things').where({ name: 'a' }).first();
    const other = knex({ client: 'sqlite3', connection: { filename: file }, useNullAsDefault: true });
    try {
      await other('things').insert({ name: 'from the other connection' });
      const [result] = (await other.raw('PRAGMA wal_checkpoint(TRUNCATE)')) as Array<{ busy: number }>;
      expect(result!.busy).toBe(0);
    } finally {
      await other.destroy();
    }
    expect(await db('things').where({ name: 'from the other connection' }).first()).toBeDefined();
  });

  it('stays correct beyond the cache size, and closes with every kept statement finalized', async () => {
    await db('things').insert({ name: 'a', count: 7 });
    // 300 distinct texts: the least recently used are finalized as new ones come.
    for (let i = 0; i < 300; i++) expect(await db('things').where('count', '<', 1000 + i).count({ n: '*' })).toEqual([{ n: 1 }]);
    await db.destroy();
    // A connection closed with unfinalized statements would have failed (SQLITE_BUSY) above.
    db = openDatabase({ client: 'sqlite', filename: file });
    expect(await db('things').pluck('name')).toEqual(['a']);
  });
});
