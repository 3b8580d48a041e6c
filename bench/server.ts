// A server under benchmark, as its own process so that its CPU time is its own: Scanin, or the
// bare oidc-provider of bareProvider.ts, configured from the environment like `scanin serve`.
// It reports its address over IPC, then answers `usage` with its CPU time and RSS (after a
// garbage collection when asked `gc`, as RSS otherwise says more about the collector's timing).
//
//   child_process.fork('bench/server.ts', [kind], { execArgv: ['--import', 'tsx', '--expose-gc'] })
import { loadConfig } from '../src/config/env.ts';

export type ServerKind = 'scanin' | 'bare';
export type Usage = { cpuMicros: number; rss: number };
export type ServerMessage = { ready: { issuer: string; port: number } } | { usage: Usage };

const kind = process.argv[2] as ServerKind;
console.warn = () => {}; // oidc-provider's runtime warning, said when it is first loaded
const running = kind === 'bare'
  ? await (await import('./bareProvider.ts')).startBareProvider(loadConfig())
  : await (await import('../src/server.ts')).startScanin(loadConfig());

process.on('message', (message: 'usage' | 'gc' | 'stop') => {
  if (message === 'stop') {
    void running.close().then(() => process.exit(0));
    return;
  }
  if (message === 'gc') (globalThis as { gc?: () => void }).gc?.();
  const cpu = process.cpuUsage();
  process.send!({ usage: { cpuMicros: cpu.user + cpu.system, rss: process.memoryUsage().rss } } satisfies ServerMessage);
});
process.send!({ ready: { issuer: running.issuer, port: running.port } } satisfies ServerMessage);
