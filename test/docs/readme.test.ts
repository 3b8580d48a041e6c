// README.md opens with the two commands a newcomer needs, exactly, and both are npm scripts that
// exist: whatever sections are added or moved below, the first thing read still works.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const README = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
const { scripts } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { scripts: Record<string, string> };

describe('README.md', () => {
  it('opens, under its title, with the install-and-run and the test commands', () => {
    const opening = /^# Scanin\n\n```sh\n([\s\S]*?)\n```\n/.exec(README);
    expect(opening?.[1]).toBe(
      [
        'npm ci && npm start        # install, then run Scanin on http://localhost:3000 with SQLite in ./data',
        'npm test                   # type-check and run every test (starts a private PostgreSQL if none answers)',
      ].join('\n'),
    );
  });

  it('names npm scripts that exist', () => {
    expect(Object.keys(scripts)).toEqual(expect.arrayContaining(['start', 'test']));
  });
});
