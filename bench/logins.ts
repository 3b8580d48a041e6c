// Full logins under load: Scanin's QR login and the bare engine's login, on the same storage,
// at 1, 10 and 50 concurrent users, interleaved (Scanin, bare, bare, Scanin, …) so that whatever
// else the machine does weighs on both alike. Beside SQLite, the bare engine in memory too: the
// engine's own cost, under which no login on any storage goes. Each server is its own process: its CPU time per
// login is read from the process itself, not inferred from wall-clock rates.
import { performance } from 'node:perf_hooks';
import { discover } from '../test/helpers/rp.ts';
import { testEnv } from '../test/helpers/scanin.ts';
import { benchDir, createBenchDatabase, type Storage } from './databases.ts';
import { bareLogin, enrolledPhone, scaninLogin, type Login } from './flows.ts';
import type { ServerKind } from './server.ts';
import { ServerProcess } from './serverProcess.ts';
import { percentile } from './stats.ts';

export const USERS = [1, 10, 50] as const;

export type LoginRow = {
  storage: Storage;
  server: ServerKind;
  users: number;
  logins: number;
  perSecond: number;
  p50: number;
  p99: number;
  cpuMsPerLogin: number;
};

type Batch = { logins: number; wallMs: number; latencies: number[]; cpuMicros: number };

/** `logins` logins by `users` users at once; the server's CPU time over the batch. */
async function batch(server: ServerProcess, login: Login, users: number, logins: number): Promise<Batch> {
  const before = await server.usage();
  const latencies: number[] = [];
  let started = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: users }, async () => {
      while (started < logins) {
        started += 1;
        const t = performance.now();
        await login();
        latencies.push(performance.now() - t);
      }
    }),
  );
  const wallMs = performance.now() - t0;
  const after = await server.usage();
  return { logins, wallMs, latencies, cpuMicros: after.cpuMicros - before.cpuMicros };
}

function row(storage: Storage, server: ServerKind, users: number, batches: Batch[]): LoginRow {
  const logins = batches.reduce((sum, b) => sum + b.logins, 0);
  const latencies = batches.flatMap((b) => b.latencies).sort((x, y) => x - y);
  return {
    storage,
    server,
    users,
    logins,
    perSecond: logins / (batches.reduce((sum, b) => sum + b.wallMs, 0) / 1000),
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    cpuMsPerLogin: batches.reduce((sum, b) => sum + b.cpuMicros, 0) / 1000 / logins,
  };
}

/** Logins per batch at each number of users; `scale` shrinks or grows every count. */
function loginsPerBatch(users: number, scale: number): number {
  return Math.max(users, Math.round({ 1: 30, 10: 100, 50: 200 }[users]! * scale));
}

export async function benchLogins(storage: Storage, options: { rounds: number; scale: number; env?: Record<string, string> }): Promise<LoginRow[]> {
  const [scaninDb, bareDb] = [await createBenchDatabase(storage, 'scanin'), await createBenchDatabase(storage, 'bare')];
  const dir = benchDir();
  const common = { NUMBER_MATCHING: 'false', ...options.env };
  const kinds: ServerKind[] = storage === 'sqlite' ? ['scanin', 'bare', 'bare-memory'] : ['scanin', 'bare'];
  const servers = new Map<ServerKind, { server: ServerProcess; login: Login }>();
  try {
    for (const kind of kinds) {
      // The in-memory engine reads its keys from a database file of its own once, at start.
      const url = kind === 'scanin' ? scaninDb.url : kind === 'bare' ? bareDb.url : (await createBenchDatabase('sqlite', kind)).url;
      const server = await ServerProcess.start(kind, testEnv(dir, { ...common, DATABASE_URL: url }));
      const config = await discover(server.issuer);
      servers.set(kind, { server, login: kind === 'scanin' ? scaninLogin(config, server.issuer, await enrolledPhone(server.issuer, url, dir)) : bareLogin(config, server.issuer) });
    }
    // Warm-up, long enough for V8 to have compiled the hot paths: a server measured after 40
    // logins still spent a fifth of its CPU in the optimizing compiler's threads (perf, per
    // thread), and more of it for the server with more code. Also fills pools and caches, and
    // the account has logged in before.
    for (const { server, login } of servers.values()) await batch(server, login, 10, Math.max(100, Math.round(300 * options.scale)));

    const rows: LoginRow[] = [];
    for (const users of USERS) {
      const batches = new Map<ServerKind, Batch[]>(kinds.map((kind) => [kind, []]));
      for (let round = 0; round < options.rounds; round++) {
        const order = round % 2 === 0 ? kinds : [...kinds].reverse();
        for (const kind of order) {
          const { server, login } = servers.get(kind)!;
          batches.get(kind)!.push(await batch(server, login, users, loginsPerBatch(users, options.scale)));
        }
      }
      rows.push(...kinds.map((kind) => row(storage, kind, users, batches.get(kind)!)));
    }
    return rows;
  } finally {
    for (const { server } of servers.values()) await server.stop();
    await scaninDb.drop();
    await bareDb.drop();
  }
}
