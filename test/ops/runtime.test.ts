// Tests, CI and benchmarks run on the Node.js major that production runs: the Dockerfile's base
// image, package.json's engines and the `node` package npm ci installs in node_modules (which npm's
// scripts run on) all name the same one. The CLI refuses an older Node with a way out.
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '../..');
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  engines: { node: string };
  devDependencies: Record<string, string>;
};
const major = (version: string): number => Number(/(\d+)/.exec(version)?.[1]);
const imageMajors = [...readFileSync(join(ROOT, 'Dockerfile'), 'utf8').matchAll(/^FROM node:(\d+)/gm)].map((m) => Number(m[1]));

describe('the runtime', () => {
  it('is the same Node.js major in the image, in engines, in node_modules and in this test run', () => {
    expect(imageMajors.length).toBeGreaterThan(0);
    const [production] = imageMajors;
    expect(new Set(imageMajors)).toEqual(new Set([production]));
    expect(pkg.engines.node).toBe(`>=${production}`);
    expect(major(pkg.devDependencies.node ?? 'missing')).toBe(production);
    expect(major(process.versions.node)).toBe(production);
  });

  // The machine's own Node (Debian's, 20 on these machines) is what `node src/cli/bin.js` meets
  // outside npm; where it is not older, there is nothing to refuse.
  const required = major(pkg.engines.node);
  const olderNode = ['/usr/bin/node', '/usr/local/bin/node']
    .filter((path) => existsSync(path))
    .map((path) => ({ path, version: execFileSync(path, ['--version'], { encoding: 'utf8' }).trim() }))
    .find(({ version }) => major(version) < required);
  it.runIf(olderNode)(`the CLI started on an older Node (${olderNode?.version}) stops with a message naming the one it needs`, async () => {
    const result = await promisify(execFile)(olderNode!.path, [join(ROOT, 'src/cli/bin.js'), 'serve']).then(
      () => { throw new Error('the CLI started'); },
      (error: { code: number; stderr: string }) => error,
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`Scanin needs Node.js ${required} or later; this is ${olderNode!.version}`);
    expect(result.stderr).toContain('npm ci installs in node_modules');
  });
});
