// `scanin serve` as a real process, as an operator runs it: for tests that stop it with a signal.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

export const SCANIN_BIN = join(import.meta.dirname, '../../src/cli/bin.js');

export type ScaninProcess = { child: ChildProcess; issuer: string; port: number; exited: Promise<number | null>; output: () => string };

/** Starts `scanin serve` with `env` and resolves once it listens. */
export async function spawnScanin(env: Record<string, string>): Promise<ScaninProcess> {
  const child = spawn(process.execPath, [SCANIN_BIN, 'serve'], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const { issuer, port } = await new Promise<{ issuer: string; port: number }>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = /listening on port (\d+); issuer (\S+)/.exec(output);
      if (match) resolve({ port: Number(match[1]), issuer: match[2]! });
    });
    child.on('exit', () => reject(new Error(`scanin serve exited early: ${output}`)));
  });
  return { child, issuer, port, exited, output: () => output };
}
