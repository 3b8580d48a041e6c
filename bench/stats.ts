// Small helpers the benchmarks share: percentiles, number formatting, and a way to load the
// server without its start-up chatter. Benchmarks print numbers; they assert nothing.
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

/** Nearest-rank percentile of `sorted` (ascending), `p` in 0..100. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]!;
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

export function ms(value: number): string {
  return `${value.toFixed(value < 10 ? 2 : 1)} ms`;
}

export function rate(value: number): string {
  return Math.round(value).toLocaleString('en-US');
}

export function print(line = ''): void {
  process.stdout.write(`${line}\n`);
}

/**
 * Runs `task` with console.warn and console.info muted: oidc-provider warns about the Node.js
 * version when it is first imported, which is noise in a benchmark's output.
 */
export async function quietly<T>(task: () => Promise<T>): Promise<T> {
  const { warn, info } = console;
  console.warn = () => {};
  console.info = () => {};
  try {
    return await task();
  } finally {
    console.warn = warn;
    console.info = info;
  }
}

/** Whether this module is the script node was started with (`node --import tsx bench/x.ts`). */
export function isMain(moduleUrl: string): boolean {
  const script = process.argv[1];
  return script !== undefined && pathToFileURL(resolve(script)).href === moduleUrl;
}
