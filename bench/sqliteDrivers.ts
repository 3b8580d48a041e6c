// The SQLite driver on Node 24 (issue 21 §2): the statements of real QR logins, captured as
// bench/statements.ts counts them (the knex `query` event: the SQL and its bindings, in order),
// replayed on copies of the same SQLite file through
//   scanin        Scanin's own store: knex's sqlite3 client with its statement cache and shared
//                 connection (src/store/db.ts's openDatabase);
//   better-sqlite3 knex's own better-sqlite3 client, as knex ships it (it prepares every statement
//                 anew: knex has no statement cache for it);
//   better-sqlite3 direct, and
//   node:sqlite   each driver used directly, statements prepared once per SQL text: no knex at
//                 all, so an upper bound for any knex dialect built on them (knex has none for
//                 node:sqlite), and the two drivers compared as drivers.
// One process, the drivers interleaved in rounds (their order reversed every other round), each
// on its own copy of the file with Scanin's pragmas (WAL). CPU is the process's own
// (process.cpuUsage: every thread, so node-sqlite3's libuv pool too).
//
// Neither side includes knex's query building: scanin and better-sqlite3 get the captured SQL
// through knex.raw, which still goes through knex's runner, the client's _query and its pool.
//
//   node --import tsx bench/sqliteDrivers.ts        (BENCH_SCALE as for bench/run.ts)
import { copyFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { DatabaseSync, type SQLInputValue, type StatementSync } from 'node:sqlite';
import knex, { type Knex } from 'knex';
import { parseDatabaseUrl } from '../src/config/env.ts';
import { openDatabase } from '../src/store/db.ts';
import { discover } from '../test/helpers/rp.ts';
import { startTestScanin } from '../test/helpers/scanin.ts';
import { benchDir } from './databases.ts';
import { enrolledPhone, scaninLogin } from './flows.ts';
import { isMain, percentile, print, rate, table } from './stats.ts';

export type Statement = { sql: string; bindings: readonly unknown[] };
/** The statements of `logins.length` logins, in the order Scanin ran them, and the file as it was before the first. */
export type Capture = { snapshot: string; logins: Statement[][] };

/** Longer than the rate-limit counters' write-behind interval (src/ratelimit/hitCounters.ts), so that their statement is in the capture. */
const SETTLE_MS = 1_500;

/** Runs `count` QR logins one after another on a test Scanin and records what they ran. */
export async function captureLogins(count: number): Promise<Capture> {
  const scanin = await startTestScanin({ env: { NUMBER_MATCHING: 'false' } });
  try {
    const login = scaninLogin(await discover(scanin.issuer), scanin.issuer, await enrolledPhone(scanin.issuer, scanin.env.DATABASE_URL!, scanin.dir));
    await login(); // the account has logged in before, as in bench/statements.ts
    await new Promise((done) => setTimeout(done, SETTLE_MS));
    // A consistent copy of a file in WAL mode that a live server has open (a file copy could miss
    // what is still in the log); nothing else runs while the server is idle.
    const snapshot = join(benchDir(), 'snapshot.db');
    await scanin.services.db.raw('VACUUM INTO ?', [snapshot]);
    const seen: Statement[] = [];
    const record = (query: { sql: string; bindings?: unknown[] }) => seen.push({ sql: query.sql, bindings: query.bindings ?? [] });
    const ends: number[] = [];
    scanin.services.db.on('query', record);
    for (let i = 0; i < count; i++) {
      await login();
      ends.push(seen.length);
    }
    await new Promise((done) => setTimeout(done, SETTLE_MS));
    scanin.services.db.off('query', record);
    // What ran after the last login returned (the counters' write-behind) goes with the last one.
    ends[ends.length - 1] = seen.length;
    return { snapshot, logins: ends.map((end, i) => seen.slice(i === 0 ? 0 : ends[i - 1], end)) };
  } finally {
    await scanin.close();
  }
}

/** One way to run a statement; answers how many rows it returned (0 for a write without RETURNING). */
export type Driver = { name: DriverName; run(statement: Statement): Promise<number> | number; close(): Promise<void> };
export const DRIVERS = ['scanin', 'better-sqlite3', 'better-sqlite3 direct', 'node:sqlite'] as const;
export type DriverName = (typeof DRIVERS)[number];

const rowsOf = (response: unknown): number => (Array.isArray(response) ? response.length : 0);

/** The pragmas Scanin's store sets on its connection, read back from one it opened, to set the same on the others. */
async function scaninPragmas(db: Knex): Promise<string[]> {
  const pragmas: string[] = [];
  for (const name of ['busy_timeout', 'journal_mode', 'synchronous', 'foreign_keys']) {
    const [row] = (await db.raw(`PRAGMA ${name}`)) as Record<string, unknown>[];
    pragmas.push(`PRAGMA ${name} = ${String(Object.values(row!)[0])}`);
  }
  return pragmas;
}

/** node:sqlite and better-sqlite3 take numbers, strings, bigints, buffers and null; knex's better-sqlite3 client converts the rest the same way. */
function syncValue(value: unknown): SQLInputValue {
  if (typeof value === 'boolean') return Number(value);
  if (value instanceof Date) return value.valueOf();
  return value as SQLInputValue;
}

type SyncStatement = { all(...values: SQLInputValue[]): unknown[]; run(...values: SQLInputValue[]): unknown };
type SyncDatabase<S extends SyncStatement> = { exec(sql: string): unknown; prepare(sql: string): S; close(): unknown };

/** A synchronous driver used directly, each SQL text prepared once; `reader` tells a statement that returns rows (a select, or a write with RETURNING). */
function cachedSync<S extends SyncStatement>(name: DriverName, db: SyncDatabase<S>, pragmas: string[], reader: (statement: S) => boolean): Driver {
  for (const pragma of pragmas) db.exec(pragma);
  const statements = new Map<string, { statement: S; reader: boolean }>();
  return {
    name,
    run({ sql, bindings }) {
      let cached = statements.get(sql);
      if (!cached) {
        const statement = db.prepare(sql);
        statements.set(sql, (cached = { statement, reader: reader(statement) }));
      }
      const values = bindings.map(syncValue);
      if (cached.reader) return cached.statement.all(...values).length;
      cached.statement.run(...values);
      return 0;
    },
    close: async () => void db.close(),
  };
}

// better-sqlite3 has no types in this project (knex loads it by name); only what cachedSync uses.
type BetterSqlite3 = new (filename: string) => SyncDatabase<SyncStatement & { reader: boolean }>;
const BetterSqlite3 = createRequire(import.meta.url)('better-sqlite3') as BetterSqlite3;

/** Opens `driver` on `filename` (a copy of the capture's snapshot) with Scanin's pragmas. */
export async function openDriver(name: DriverName, filename: string, pragmas?: string[]): Promise<Driver & { pragmas: string[] }> {
  if (name === 'scanin') {
    const db = openDatabase(parseDatabaseUrl(`sqlite:${filename}`));
    return { name, pragmas: await scaninPragmas(db), run: async ({ sql, bindings }) => rowsOf(await db.raw(sql, bindings as Knex.RawBinding[])), close: () => db.destroy() };
  }
  if (!pragmas) throw new Error(`${name} needs Scanin's pragmas (open the scanin driver first)`);
  if (name === 'node:sqlite') return { ...cachedSync(name, new DatabaseSync(filename), pragmas, (statement: StatementSync) => statement.columns().length > 0), pragmas };
  if (name === 'better-sqlite3 direct') return { ...cachedSync(name, new BetterSqlite3(filename), pragmas, (statement) => statement.reader), pragmas };
  const db = knex({
    client: 'better-sqlite3',
    connection: { filename },
    useNullAsDefault: true,
    pool: {
      min: 1,
      max: 1,
      afterCreate(conn: { exec(sql: string): unknown }, done: (error: Error | null, conn: unknown) => void) {
        for (const pragma of pragmas) conn.exec(pragma);
        done(null, conn);
      },
    },
  });
  return { name, pragmas, run: async ({ sql, bindings }) => rowsOf(await db.raw(sql, bindings as Knex.RawBinding[])), close: () => db.destroy() };
}

/** Opens every driver on its own copy of the capture's snapshot. */
export async function openDrivers(capture: Capture): Promise<Driver[]> {
  const dir = benchDir();
  const copy = (name: string) => {
    const file = join(dir, `${name.replace(/\W/g, '-')}.db`);
    copyFileSync(capture.snapshot, file);
    return file;
  };
  const scanin = await openDriver('scanin', copy('scanin'));
  const others = await Promise.all(DRIVERS.filter((name) => name !== 'scanin').map((name) => openDriver(name, copy(name), scanin.pragmas)));
  return [scanin, ...others];
}

/** Replays `logins`, `concurrency` of them at a time (each login's statements in order); rows returned per statement, and each statement's duration in ms. */
export async function replay(driver: Driver, logins: readonly Statement[][], concurrency = 1): Promise<{ rows: number[]; durations: number[] }> {
  const rows: number[][] = logins.map(() => []);
  const durations: number[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < logins.length) {
        const i = next++;
        for (const statement of logins[i]!) {
          const t = performance.now();
          rows[i]!.push(await driver.run(statement));
          durations.push(performance.now() - t);
        }
      }
    }),
  );
  return { rows: rows.flat(), durations };
}

/** The tables of the capture's file. */
export function tableNames(capture: Capture): string[] {
  const db = new DatabaseSync(capture.snapshot, { readOnly: true });
  try {
    return db.prepare("select name from sqlite_master where type = 'table' and name not like 'sqlite_%' order by name").all().map((row) => String(row.name));
  } finally {
    db.close();
  }
}

/** Rows in each of `tables` in the driver's file (through the driver itself), to compare the files after a replay. */
export async function tableCounts(driver: Driver, tables: readonly string[]): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const name of tables) counts[name] = await driver.run({ sql: `select 1 from \`${name}\``, bindings: [] });
  return counts;
}

export type DriverRow = {
  driver: DriverName;
  concurrency: number;
  logins: number;
  statements: number;
  cpuMsPerLogin: number;
  cpuMicrosPerStatement: number;
  statementsPerSecond: number;
  /** Per statement, at one login at a time only (NaN otherwise: a statement's time would include the other logins'). */
  p50: number;
  p99: number;
  max: number;
};
export type DriversResult = { rows: DriverRow[]; statementsPerLogin: number; tables: number };

/** Logins replayed by each driver in each round; the first chunk of each driver warms it up (V8, its statements). */
const LOGINS_PER_ROUND = 60;
const CONCURRENCY = [1, 10] as const;

export async function benchSqliteDrivers(options: { rounds: number; scale: number }): Promise<DriversResult> {
  const perRound = Math.max(10, Math.round(LOGINS_PER_ROUND * options.scale));
  const capture = await captureLogins(perRound * (1 + options.rounds * CONCURRENCY.length));
  const chunks = Array.from({ length: capture.logins.length / perRound }, (_, i) => capture.logins.slice(i * perRound, (i + 1) * perRound));
  const drivers = await openDrivers(capture);
  try {
    const replayed = async (chunk: Statement[][], concurrency: number) => {
      const results = new Map<DriverName, Awaited<ReturnType<typeof replay>> & { cpuMicros: number; wallMs: number }>();
      for (const driver of drivers) {
        const before = process.cpuUsage();
        const t0 = performance.now();
        const result = await replay(driver, chunk, concurrency);
        const wallMs = performance.now() - t0;
        const cpu = process.cpuUsage(before);
        results.set(driver.name, { ...result, cpuMicros: cpu.user + cpu.system, wallMs });
      }
      // The same statements on the same file must answer the same rows, or the drivers did not do the same work.
      const expected = results.get('scanin')!.rows.join();
      for (const [name, result] of results) if (result.rows.join() !== expected) throw new Error(`${name} returned other rows than Scanin's store on the same statements`);
      return results;
    };
    const [warmUp, ...measured] = chunks;
    await replayed(warmUp!, 1);
    const rows: DriverRow[] = [];
    for (const [m, concurrency] of CONCURRENCY.entries()) {
      const totals = new Map(DRIVERS.map((name) => [name, { logins: 0, statements: 0, cpuMicros: 0, wallMs: 0, durations: [] as number[] }]));
      for (let round = 0; round < options.rounds; round++) {
        // Interleaved: the order reversed every other round, so drift weighs on all alike.
        if (round % 2 === 1) drivers.reverse();
        const chunk = measured[m * options.rounds + round]!;
        for (const [name, result] of await replayed(chunk, concurrency)) {
          const total = totals.get(name)!;
          total.logins += chunk.length;
          total.statements += result.rows.length;
          total.cpuMicros += result.cpuMicros;
          total.wallMs += result.wallMs;
          if (concurrency === 1) total.durations.push(...result.durations);
        }
        if (round % 2 === 1) drivers.reverse();
      }
      for (const [driver, total] of totals) {
        const durations = total.durations.sort((a, b) => a - b);
        rows.push({
          driver,
          concurrency,
          logins: total.logins,
          statements: total.statements,
          cpuMsPerLogin: total.cpuMicros / 1000 / total.logins,
          cpuMicrosPerStatement: total.cpuMicros / total.statements,
          statementsPerSecond: total.statements / (total.wallMs / 1000),
          p50: percentile(durations, 50),
          p99: percentile(durations, 99),
          max: durations.at(-1) ?? Number.NaN,
        });
      }
    }
    const names = tableNames(capture);
    const counts = await Promise.all(drivers.map(async (driver) => JSON.stringify(await tableCounts(driver, names))));
    if (new Set(counts).size !== 1) throw new Error(`the files differ after the replay: ${counts.join(' / ')}`);
    return { rows, statementsPerLogin: capture.logins.flat().length / capture.logins.length, tables: names.length };
  } finally {
    for (const driver of drivers) await driver.close();
  }
}

export function sqliteDriversTable(result: DriversResult): string[] {
  const scanin = (r: DriverRow) => result.rows.find((other) => other.driver === 'scanin' && other.concurrency === r.concurrency)!;
  return [
    ...table(
      ['driver', 'logins at once', 'logins', 'statements', 'CPU ms/login', 'CPU µs/statement', 'statements/s', 'logins per CPU-s', 'CPU vs scanin', 'p50 ms', 'p99 ms', 'max ms'],
      result.rows.map((r) => [
        r.driver,
        String(r.concurrency),
        String(r.logins),
        String(r.statements),
        r.cpuMsPerLogin.toFixed(3),
        r.cpuMicrosPerStatement.toFixed(1),
        rate(r.statementsPerSecond),
        rate(1000 / r.cpuMsPerLogin),
        (r.cpuMsPerLogin / scanin(r).cpuMsPerLogin).toFixed(2),
        ...[r.p50, r.p99, r.max].map((ms) => (Number.isNaN(ms) ? '' : ms.toFixed(3))),
      ]),
    ),
    '',
    `${result.statementsPerLogin.toFixed(1)} statements per login (captured from real QR logins with the knex \`query\` event, with the rate-limit counters' write-behind),`,
    `replayed in order on copies of one SQLite file in WAL mode with Scanin's pragmas; every driver answered the same rows for every statement and left the same row counts in all ${result.tables} tables.`,
    '',
    "`scanin`: src/store/db.ts (knex's sqlite3 client, statement cache, shared connection) · `better-sqlite3`: knex's own client for it (no statement cache) ·",
    '`better-sqlite3 direct`, `node:sqlite` (DatabaseSync): the driver alone, statements cached by SQL, no knex: an upper bound, not a knex dialect.',
    "scanin and better-sqlite3 get the captured SQL through knex.raw: knex's runner and pool, not its query building (which a knex dialect on any driver would add).",
    "CPU: process.cpuUsage of the one process (all threads, libuv's pool included). p50/p99/max, one login at a time: each statement from call to answer;",
    'for better-sqlite3 and node:sqlite that is time the event loop is blocked, for sqlite3 it is latency while the loop is free.',
  ];
}

if (isMain(import.meta.url)) {
  const scale = Number(process.env.BENCH_SCALE ?? 1);
  for (const line of sqliteDriversTable(await benchSqliteDrivers({ rounds: 4, scale }))) print(line);
}
