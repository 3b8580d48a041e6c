// `scanin serve` as a real process, as an operator runs it: for tests that stop it with a signal
// or read its log.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

export const SCANIN_BIN = join(import.meta.dirname, '../../src/cli/bin.js');

/** A child's stdout read as JSON lines, as a log shipper reads it. */
export class JsonLines {
  readonly lines: Record<string, unknown>[] = [];
  readonly nonJson: string[] = [];
  private waiters: Array<() => void> = [];
  private ended = false;

  constructor(child: ChildProcess) {
    let buffer = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      const parts = buffer.split('\n');
      buffer = parts.pop()!;
      for (const part of parts.filter(Boolean)) {
        try {
          this.lines.push(JSON.parse(part) as Record<string, unknown>);
        } catch {
          this.nonJson.push(part);
        }
      }
      for (const wake of this.waiters.splice(0)) wake();
    });
    child.on('exit', () => {
      this.ended = true;
      for (const wake of this.waiters.splice(0)) wake();
    });
  }

  /** The first line that matches, once it has been written; fails if the process ends first. */
  async waitFor(match: (line: Record<string, unknown>) => boolean): Promise<Record<string, unknown>> {
    for (;;) {
      const found = this.lines.find(match);
      if (found) return found;
      if (this.ended) throw new Error(`no such log line in ${JSON.stringify(this.lines)} ${this.nonJson.join('\n')}`);
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
  }
}

export type ScaninProcess = { child: ChildProcess; issuer: string; port: number; exited: Promise<number | null>; output: () => string; log: JsonLines };

/** Starts `scanin serve` with `env` and resolves once it listens (as its info-level log line says). */
export async function spawnScanin(env: Record<string, string>): Promise<ScaninProcess> {
  const child = spawn(process.execPath, [SCANIN_BIN, 'serve'], { env: { ...process.env, ...env, LOG_LEVEL: 'info' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const log = new JsonLines(child);
  const listening = await log.waitFor((line) => line.msg === 'Scanin is listening').catch(() => {
    throw new Error(`scanin serve exited early: ${output}`);
  });
  return { child, issuer: listening.issuer as string, port: listening.port as number, exited, output: () => output, log };
}
