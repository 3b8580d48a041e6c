// SQLite's one connection shared by the statements that run on it (src/store/sqliteSharedConnection.ts):
// statements go to SQLite two at a time instead of one, a transaction still has the
// connection alone (a statement sent meanwhile is neither seen by it nor undone with it), and
// closing waits for what runs.
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, type Db } from '../../src/store/db.ts';
import { migrate } from '../../src/store/migrate.ts';
import { ConnectionGate } from '../../src/store/sqliteSharedConnection.ts';
import { testDir } from '../helpers/scanin.ts';

type Callback = (...args: unknown[]) => void;
type RawStatement = { all: (params: unknown[], cb: Callback) => void; run: (params: unknown[], cb: Callback) => void };
type RawConnection = { prepare: (...args: unknown[]) => RawStatement };

/** The most statements node-sqlite3 had been handed and had not yet answered, at any moment from now on. */
async function watchInFlight(db: Db): Promise<() => number> {
  const connection = (await db.client.acquireConnection()) as RawConnection;
  await db.client.releaseConnection(connection);
  let now = 0;
  let most = 0;
  const prepare = connection.prepare;
  connection.prepare = function (this: unknown, ...args: unknown[]) {
    const statement = prepare.apply(this, args);
    for (const method of ['all', 'run'] as const) {
      const original = statement[method];
      statement[method] = function (this: unknown, params: unknown[], cb: Callback) {
        most = Math.max(most, ++now);
        return original.call(this, params, function (this: unknown, ...results: unknown[]) {
          now -= 1;
          cb.apply(this, results);
        });
      };
    }
    return statement;
  };
  return () => most;
}

describe('the connection gate', () => {
  const settle = () => new Promise((resolve) => setImmediate(resolve));

  it('lets statements in two at a time, a transaction alone, and each in the order they came', async () => {
    const gate = new ConnectionGate();
    const entered: string[] = [];
    const enter = (name: string, transaction: boolean) => void gate.enter(transaction).then(() => entered.push(name));
    enter('s1', false);
    enter('s2', false);
    enter('s3', false);
    enter('t', true);
    enter('s4', false);
    await settle();
    // Two statements in flight at most (a third would hold one more of libuv's threads).
    expect(entered).toEqual(['s1', 's2']);
    gate.leave(false);
    await settle();
    expect(entered).toEqual(['s1', 's2', 's3']);
    // The transaction waits for both statements in flight; s4 waits behind it.
    gate.leave(false);
    await settle();
    expect(entered).toEqual(['s1', 's2', 's3']);
    gate.leave(false);
    await settle();
    expect(entered).toEqual(['s1', 's2', 's3', 't']);
    gate.leave(true);
    await settle();
    expect(entered).toEqual(['s1', 's2', 's3', 't', 's4']);
  });
});

describe('statements sharing the SQLite connection', () => {
  let db: Db;

  beforeEach(async () => {
    db = openDatabase({ client: 'sqlite', filename: join(testDir(), 'shared.db') });
    await db.schema.createTable('things', (table) => {
      table.increments('id');
      table.string('name').notNullable();
    });
  });

  afterEach(async () => {
    await db.destroy();
  });

  it('hands concurrent statements to SQLite two at a time, each with its own answer', async () => {
    await db('things').insert(Array.from({ length: 20 }, (_, i) => ({ name: `n${i}` })));
    const mostInFlight = await watchInFlight(db);
    const names = await Promise.all(Array.from({ length: 20 }, (_, i) => db('things').where({ id: i + 1 }).first('name')));
    expect(names.map((row: { name: string }) => row.name)).toEqual(Array.from({ length: 20 }, (_, i) => `n${i}`));
    expect(mostInFlight()).toBe(2);
  });

  it('keeps a statement sent during a transaction out of it: not seen by it, not undone with it', async () => {
    let inserted!: () => void;
    const insertedInTransaction = new Promise<void>((resolve) => (inserted = resolve));
    let outsideDone = false;
    const transaction = db.transaction(async (trx) => {
      await trx('things').insert({ name: 'inside' });
      inserted();
      // The statement below was sent meanwhile: it has not run, as the transaction has the connection.
      await new Promise((resolve) => setImmediate(resolve));
      expect(outsideDone).toBe(false);
      expect(await trx('things').pluck('name')).toEqual(['inside']);
      throw new Error('undo');
    });
    await insertedInTransaction;
    const outside = db('things')
      .insert({ name: 'outside' })
      .then(() => (outsideDone = true));
    await expect(transaction).rejects.toThrow('undo');
    await outside;
    expect(await db('things').pluck('name')).toEqual(['outside']);
  });

  it('labels a statement after a transaction as outside it in knex\'s query events', async () => {
    await db.transaction(async (trx) => {
      await trx('things').insert({ name: 'inside' });
    });
    const seen: Array<{ __knexTxId?: string }> = [];
    const record = (query: { __knexTxId?: string }) => seen.push(query);
    db.on('query', record);
    await db('things').pluck('name');
    db.off('query', record);
    expect(seen).toHaveLength(1);
    expect(seen[0]!.__knexTxId).toBeUndefined();
  });

  it('runs many transactions and statements at once without losing or mixing any', async () => {
    await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        i % 3 === 0
          ? db.transaction(async (trx) => {
              await trx('things').insert({ name: `t${i}a` });
              await trx('things').insert({ name: `t${i}b` });
              if (i % 2 === 0) throw new Error('undo');
            }).catch(() => undefined)
          : db('things').insert({ name: `s${i}` }),
      ),
    );
    const names = new Set(await db('things').pluck('name'));
    for (let i = 0; i < 30; i++) {
      if (i % 3 !== 0) expect(names.has(`s${i}`)).toBe(true);
      else expect([names.has(`t${i}a`), names.has(`t${i}b`)]).toEqual(i % 2 === 0 ? [false, false] : [true, true]);
    }
    expect(names.size).toBe(20 + 5 * 2);
  });

  it('closes only once the statements sent before it have answered', async () => {
    await db('things').insert({ name: 'a' });
    const pending = Promise.resolve(db('things').where({ name: 'a' }).first('name'));
    await new Promise((resolve) => setImmediate(resolve)); // sent: knex has handed it to the connection
    await db.destroy();
    expect(await pending).toEqual({ name: 'a' });
    db = openDatabase({ client: 'sqlite', filename: join(testDir(), 'shared.db') });
  });

  it('is the same connection for the migrator, which runs on a copy of the client', async () => {
    await migrate(db);
    expect(await db('knex_migrations').count({ n: '*' })).not.toEqual([{ n: 0 }]);
  });
});
