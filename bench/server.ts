// A server under benchmark, as its own process so that its CPU time is its own: Scanin, or the
// bare oidc-provider of bareProvider.ts, configured from the environment like `scanin serve`.
// It reports its address over IPC, then answers `usage` with its CPU time and RSS (after a
// garbage collection when asked `gc`, as RSS otherwise says more about the collector's timing),
// and `profile` / `{ profileTo }` by starting and writing a CPU profile.
//
//   child_process.fork('bench/server.ts', [kind], { execArgv: ['--import', 'tsx', '--expose-gc'] })
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { loadConfig } from '../src/config/env.ts';
import { PROFILE_INTERVAL_MICROS } from './serverProcess.ts';

/** `bare-memory`: the bare engine on oidc-provider's own in-memory adapter, the cost of the engine alone. */
export type ServerKind = 'scanin' | 'bare' | 'bare-memory';
export type Usage = { cpuMicros: number; rss: number };
export type ServerMessage = { ready: { issuer: string; port: number } } | { usage: Usage } | { profiling: true } | { profiled: string };

const kind = process.argv[2] as ServerKind;
console.warn = () => {}; // oidc-provider's runtime warning, said when it is first loaded
const running = kind !== 'scanin'
  ? await (await import('./bareProvider.ts')).startBareProvider(loadConfig(), kind === 'bare-memory' ? 'memory' : 'database')
  : await (await import('../src/server.ts')).startScanin(loadConfig());

// A CPU profile of the main thread over a stretch the benchmark chooses (bench/profile.ts):
// steady-state logins only, without start-up and warm-up.
let inspector: Session | undefined; // connected only when asked, so that it costs nothing otherwise
const post = (method: string, params?: object) => {
  if (!inspector) (inspector = new Session()).connect();
  return new Promise<unknown>((resolve, reject) => inspector!.post(method, params, (error, result) => (error ? reject(error) : resolve(result))));
};

process.on('message', (message: 'usage' | 'gc' | 'stop' | 'profile' | { profileTo: string }) => {
  if (message === 'profile') {
    void post('Profiler.enable').then(() => post('Profiler.setSamplingInterval', { interval: PROFILE_INTERVAL_MICROS })).then(() => post('Profiler.start')).then(() => process.send!({ profiling: true } satisfies ServerMessage));
    return;
  }
  if (typeof message === 'object') {
    void post('Profiler.stop').then((result) => {
      writeFileSync(message.profileTo, JSON.stringify((result as { profile: unknown }).profile));
      process.send!({ profiled: message.profileTo } satisfies ServerMessage);
    });
    return;
  }
  if (message === 'stop') {
    void running.close().then(() => process.exit(0));
    return;
  }
  if (message === 'gc') (globalThis as { gc?: () => void }).gc?.();
  const cpu = process.cpuUsage();
  process.send!({ usage: { cpuMicros: cpu.user + cpu.system, rss: process.memoryUsage().rss } } satisfies ServerMessage);
});
process.send!({ ready: { issuer: running.issuer, port: running.port } } satisfies ServerMessage);
