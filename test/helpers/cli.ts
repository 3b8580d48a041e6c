// `npx scanin …` as an administrator runs it: a process of its own against the database and
// issuer of a running test Scanin.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { TestScanin } from './scanin.ts';

const SCANIN = join(import.meta.dirname, '../../src/cli/bin.js');

export type CliResult = { code: number; stdout: string; stderr: string };

/** Runs `scanin …args` for `scanin`; a failing command resolves with its exit code, never throws. */
export async function runCli(scanin: TestScanin, ...args: string[]): Promise<CliResult> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [SCANIN, ...args], { env: { ...process.env, ...scanin.env } });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const { code, stdout, stderr } = error as CliResult;
    return { code, stdout, stderr };
  }
}
