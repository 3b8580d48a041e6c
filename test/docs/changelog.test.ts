// CHANGELOG.md keeps the Keep a Changelog shape (https://keepachangelog.com/en/1.1.0/), and the
// version package.json states (the one /healthz reports) is a release it describes.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const CHANGELOG = readFileSync(new URL('../../CHANGELOG.md', import.meta.url), 'utf8');
const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
const KINDS = ['Added', 'Changed', 'Deprecated', 'Removed', 'Fixed', 'Security'];

/** `## [x.y.z] - YYYY-MM-DD` headings, newest first as written. */
const releases = [...CHANGELOG.matchAll(/^## \[(\d+\.\d+\.\d+)\] - (\d{4}-\d{2}-\d{2})$/gm)].map((match) => ({ version: match[1]!, date: match[2]! }));

describe('CHANGELOG.md', () => {
  it('opens with [Unreleased], and every other version heading is a release with its date', () => {
    const headings = [...CHANGELOG.matchAll(/^## (.+)$/gm)].map((match) => match[1]!);
    expect(headings[0]).toBe('[Unreleased]');
    expect(headings.slice(1)).toEqual(releases.map((release) => `[${release.version}] - ${release.date}`));
  });

  it('lists releases newest first, on real dates', () => {
    for (const release of releases) expect(new Date(`${release.date}T00:00:00Z`).toISOString().slice(0, 10)).toBe(release.date);
    const dates = releases.map((release) => release.date);
    expect(dates).toEqual([...dates].sort().reverse());
  });

  it('groups changes only under the kinds Keep a Changelog names', () => {
    const kinds = [...CHANGELOG.matchAll(/^### (.+)$/gm)].map((match) => match[1]!);
    expect(kinds.length).toBeGreaterThan(0);
    expect(kinds.filter((kind) => !KINDS.includes(kind))).toEqual([]);
  });

  it("describes package.json's version as a release", () => {
    expect(releases.map((release) => release.version)).toContain(version);
  });
});
