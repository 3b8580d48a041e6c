// The benchmark's side of bench/server.ts: start a server process, ask it for its CPU time and
// RSS, stop it. The load generator runs in this process; only the server's own usage is counted.
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { ServerKind, ServerMessage, Usage } from './server.ts';

/** How often a server's profiler samples: bench/profile.ts counts samples, each worth this long. */
export const PROFILE_INTERVAL_MICROS = 250;

const SERVER = fileURLToPath(new URL('./server.ts', import.meta.url));

export class ServerProcess {
  private constructor(
    readonly kind: ServerKind,
    readonly issuer: string,
    /** Where this process listens (its issuer may name another instance: a shared ISSUER). */
    readonly origin: string,
    private readonly child: ChildProcess,
  ) {}

  static async start(kind: ServerKind, env: Record<string, string>): Promise<ServerProcess> {
    const child = fork(SERVER, [kind], {
      env: { ...process.env, ...env },
      execArgv: ['--import', 'tsx', '--expose-gc', ...(process.env.BENCH_SERVER_NODE_OPTIONS?.split(' ').filter(Boolean) ?? [])],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const ready = await new Promise<{ issuer: string; port: number }>((resolve, reject) => {
      child.once('message', (message: ServerMessage) => ('ready' in message ? resolve(message.ready) : reject(new Error('unexpected message'))));
      child.once('exit', (code) => reject(new Error(`the ${kind} server exited (${code}) before it was ready`)));
    });
    return new ServerProcess(kind, ready.issuer, `http://127.0.0.1:${ready.port}`, child);
  }

  get pid(): number {
    return this.child.pid!;
  }

  /** CPU time (user + system) and RSS of the server process so far; `gc` collects first. */
  usage(gc = false): Promise<Usage> {
    return new Promise((resolve) => {
      this.child.once('message', (message: ServerMessage) => resolve((message as { usage: Usage }).usage));
      this.child.send(gc ? 'gc' : 'usage');
    });
  }

  /** Starts a CPU profile of the server's main thread (node:inspector). */
  startProfile(): Promise<void> {
    return new Promise((resolve) => {
      this.child.once('message', () => resolve());
      this.child.send('profile');
    });
  }

  /** Stops the CPU profile and writes it (a .cpuprofile, for Chrome DevTools) to `file`. */
  stopProfile(file: string): Promise<void> {
    return new Promise((resolve) => {
      this.child.once('message', () => resolve());
      this.child.send({ profileTo: file });
    });
  }

  async stop(): Promise<void> {
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.send('stop');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 15_000);
    await exited;
    clearTimeout(timer);
  }
}
