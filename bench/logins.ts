// Full logins under load: Scanin's QR login and the bare engine's login, on the same storage,
// at 1, 10 and 50 concurrent users, interleaved (Scanin, bare, bare, Scanin, …) so that whatever
// else the machine does weighs on both alike. Each server is its own process: its CPU time per
// login is read from the process itself, not inferred from wall-clock rates.
import { performance } from 'node:perf_hooks';
import { discover } from '../test/helpers/rp.ts';
import { testEnv } from '../test/helpers/scanin.ts';
import { benchDir, createBenchDatabase, type Storage } from './databases.ts';
import { bareLogin, enrolledPhone, scaninLogin, type Login } from './flows.ts';
import { ServerProcess } from './serverProcess.ts';
import { percentile } from './stats.ts';

export const USERS = [1, 10, 50] as const;

export type LoginRow = {
  storage: Storage;
  server: 'scanin' | 'bare';
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

function row(storage: Storage, server: 'scanin' | 'bare', users: number, batches: Batch[]): LoginRow {
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
  const scanin = await ServerProcess.start('scanin', testEnv(dir, { ...common, DATABASE_URL: scaninDb.url }));
  const bare = await ServerProcess.start('bare', testEnv(dir, { ...common, DATABASE_URL: bareDb.url }));
  try {
    const phone = await enrolledPhone(scanin.issuer, scaninDb.url, dir);
    const logins = {
      scanin: scaninLogin(await discover(scanin.issuer), scanin.issuer, phone),
      bare: bareLogin(await discover(bare.issuer), bare.issuer),
    };
    const servers = { scanin, bare };
    // Warm-up, long enough for V8 to have compiled the hot paths: a server measured after 40
    // logins still spent a fifth of its CPU in the optimizing compiler's threads (perf, per
    // thread), and more of it for the server with more code. Also fills pools and caches, and
    // the account has logged in before.
    for (const name of ['scanin', 'bare'] as const) await batch(servers[name], logins[name], 10, Math.max(100, Math.round(300 * options.scale)));

    const rows: LoginRow[] = [];
    for (const users of USERS) {
      const batches = { scanin: [] as Batch[], bare: [] as Batch[] };
      for (let round = 0; round < options.rounds; round++) {
        const order = round % 2 === 0 ? (['scanin', 'bare'] as const) : (['bare', 'scanin'] as const);
        for (const name of order) batches[name].push(await batch(servers[name], logins[name], users, loginsPerBatch(users, options.scale)));
      }
      rows.push(row(storage, 'scanin', users, batches.scanin), row(storage, 'bare', users, batches.bare));
    }
    return rows;
  } finally {
    await scanin.stop();
    await bare.stop();
    await scaninDb.drop();
    await bareDb.drop();
  }
}
