// The run's closing lines, from vitest run as its own process on a few files made for it: a file
// that fails outside its tests is named, not counted as a failed test.
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '../..');
const VITEST = join(ROOT, 'node_modules/vitest/vitest.mjs');
// Inside the repository, so the files resolve vitest, and outside test/, so `npm test` skips them.
const dir = mkdtempSync(join(ROOT, '.summary-fixture-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const FILES: Record<string, string> = {
  'vitest.config.ts': `import base from '../vitest.config.ts';
export default { test: { ...base.test, globalSetup: [], include: ['cases/*.test.ts'] } };`,
  'cases/broken.test.ts': `import { beforeAll, it } from 'vitest';
beforeAll(() => { throw new Error('set-up fails'); });
it('never runs', () => {});
it('never runs either', () => {});`,
  'cases/mixed.test.ts': `import { expect, it } from 'vitest';
it('passes', () => expect(1).toBe(1));
it('fails', () => expect(1).toBe(2));`,
  'cases/fine.test.ts': `import { it } from 'vitest';
it('passes too', () => {});`,
};

describe('the closing lines of a test run', () => {
  it('name a file that failed outside its tests and count only tests as tests', async () => {
    for (const [name, text] of Object.entries(FILES)) {
      mkdirSync(join(dir, name, '..'), { recursive: true });
      writeFileSync(join(dir, name), text);
    }
    const result = await promisify(execFile)(process.execPath, [VITEST, 'run', '--root', dir], { env: { ...process.env, NO_COLOR: '1', CI: '1' } }).then(
      () => { throw new Error('the run passed'); },
      (error: { code: number; stdout: string; stderr: string }) => error,
    );
    expect(result.code).toBe(1);
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines.slice(-2)).toEqual([
      `Files failed outside any test: 1 (${join(dir, 'cases/broken.test.ts').slice(process.cwd().length + 1)})`,
      'Tests: 2 passed, 1 failed, 2 skipped',
    ]);
  });
});
