// Where a full QR login's server CPU goes: runs logins against Scanin (or the bare engine), with a
// CPU profile of the server's main thread over the measured logins only (after start-up and a
// warm-up), then sums its self time by where the code lives (a package in node_modules, a folder
// of src/, Node's own internals, the garbage collector). Beside it, the process's CPU time split
// into the main thread and all the others (libuv's thread pool, where sqlite3 runs statements,
// and V8's compiler and collector threads), read from /proc: the profile sees only the first.
//
//   node --import tsx bench/profile.ts [scanin|bare|bare-memory] [users] [logins]
//   (defaults: scanin 10 300; the .cpuprofile is kept for Chrome DevTools, its path printed)
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { discover } from '../test/helpers/rp.ts';
import { testEnv } from '../test/helpers/scanin.ts';
import { benchDir, createBenchDatabase } from './databases.ts';
import { bareLogin, enrolledPhone, scaninLogin, type Login } from './flows.ts';
import type { ServerKind } from './server.ts';
import { PROFILE_INTERVAL_MICROS, ServerProcess } from './serverProcess.ts';
import { isMain, print, table } from './stats.ts';

type Node = { id: number; callFrame: { functionName: string; url: string } };
export type Profile = { nodes: Node[]; samples: number[]; timeDeltas: number[] };

/** Where a frame's code lives, coarse enough to add up: `oidc-provider`, `src/login/`, `node:internal/streams`, `(garbage collector)`. */
function place(frame: Node['callFrame']): string {
  const { url, functionName } = frame;
  if (!url) return functionName.startsWith('(') ? functionName : `(native) ${functionName || 'anonymous'}`.slice(0, 40);
  const modules = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (modules) return modules[1]!;
  const own = /\/(src|bench|test)\/([^/]+)/.exec(url);
  if (own) return own[2]!.endsWith('.ts') ? `${own[1]}/${own[2]}` : `${own[1]}/${own[2]}/`;
  if (url.startsWith('node:')) return url.split('/').slice(0, 2).join('/');
  return url;
}

/**
 * Self time (ms) by place: samples counted, each worth one sampling interval. Not the samples'
 * wall-clock deltas: on a loaded machine a thread that wakes another (a statement handed to the
 * thread pool, a socket write) is often descheduled, and the next sample's delta then counts
 * time it spent waiting for a core as if it had run.
 */
export function selfTimeByPlace(profile: Profile): Map<string, number> {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const totals = new Map<string, number>();
  for (const id of profile.samples) {
    const key = place(byId.get(id)!.callFrame);
    totals.set(key, (totals.get(key) ?? 0) + PROFILE_INTERVAL_MICROS / 1000);
  }
  return totals;
}

/** CPU time (ms, user + system) of a process's main thread and of all its other threads (Linux). */
function threadCpu(pid: number): { main: number; others: number } {
  const result = { main: 0, others: 0 };
  for (const task of readdirSync(`/proc/${pid}/task`)) {
    try {
      const stat = readFileSync(`/proc/${pid}/task/${task}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const ms = (Number(fields[11]) + Number(fields[12])) * 10; // utime + stime, in ticks of 10 ms (USER_HZ 100)
      if (Number(task) === pid) result.main += ms;
      else result.others += ms;
    } catch {
      // the thread ended meanwhile
    }
  }
  return result;
}

export async function profileLogins(kind: ServerKind, users: number, logins: number): Promise<string[]> {
  const db = await createBenchDatabase('sqlite', kind);
  const dir = benchDir();
  const server = await ServerProcess.start(kind, testEnv(dir, { NUMBER_MATCHING: 'false', DATABASE_URL: db.url }));
  const file = join(mkdtempSync(join(tmpdir(), 'scanin-profile-')), `${kind}.cpuprofile`);
  try {
    const login: Login = kind === 'scanin'
      ? scaninLogin(await discover(server.issuer), server.issuer, await enrolledPhone(server.issuer, db.url, dir))
      : bareLogin(await discover(server.issuer), server.issuer);
    const runLogins = async (count: number) => {
      let started = 0;
      await Promise.all(Array.from({ length: users }, async () => {
        while (started++ < count) await login();
      }));
    };
    await runLogins(60);
    await server.startProfile();
    const before = { usage: await server.usage(), threads: threadCpu(server.pid) };
    await runLogins(logins);
    const after = { usage: await server.usage(), threads: threadCpu(server.pid) };
    await server.stopProfile(file);
    const perLogin = (ms: number) => (ms / logins).toFixed(2);
    const totals = [...selfTimeByPlace(JSON.parse(readFileSync(file, 'utf8')) as Profile).entries()].sort((a, b) => b[1] - a[1]);
    const busy = totals.filter(([key]) => key !== '(idle)').reduce((sum, [, ms]) => sum + ms, 0);
    return [
      `${kind}: ${logins} logins at ${users} users, profiled`,
      `process CPU ${perLogin((after.usage.cpuMicros - before.usage.cpuMicros) / 1000)} ms/login: main thread ${perLogin(after.threads.main - before.threads.main)}, other threads ${perLogin(after.threads.others - before.threads.others)}`,
      `main thread busy in the profile: ${perLogin(busy)} ms/login`,
      '',
      ...table(['self time in', 'ms/login', '% of busy'], totals.filter(([key]) => key !== '(idle)').slice(0, 25).map(([key, ms]) => [key, perLogin(ms), ((100 * ms) / busy).toFixed(1)])),
      '',
      `profile: ${file}`,
    ];
  } finally {
    await server.stop();
  }
}

if (isMain(import.meta.url)) {
  const [kind = 'scanin', users = '10', logins = '300'] = process.argv.slice(2);
  for (const line of await profileLogins(kind as ServerKind, Number(users), Number(logins))) print(line);
}
