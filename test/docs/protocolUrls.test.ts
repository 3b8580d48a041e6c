// docs/protocol.md §2's table of scanned URLs, row by row, against the code that parses them
// (src/protocol/urls.ts): what an app on a platform without a WHATWG URL parser checks itself
// against must be what the server and the reference authenticator do.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseScaninUrl } from '../../src/protocol/urls.ts';

const DOC = readFileSync(new URL('../../docs/protocol.md', import.meta.url), 'utf8');
const ID = 's_3rd08C8b6BK9GJlB7Mmg';

const table = DOC.split('<!-- example: url-table -->')[1]!.trimStart().split(/\n(?!\|)/)[0]!;
const rows = table.split('\n').slice(2).map((line) => {
  const [, scanned, result] = /^\| `([^`]+)`(?: \([^)]*\))? \| (.+) \|$/.exec(line) ?? [];
  if (!scanned || !result) throw new Error(`docs/protocol.md §2: a row of the URL table is not "| \`text\` | result |": ${line}`);
  const text = scanned.replaceAll('{id}', ID).replaceAll('␠', ' ').replaceAll('\\r', '\r').replaceAll('\\n', '\n');
  return { line, text, result };
});

describe('docs/protocol.md §2: the table of scanned URLs', () => {
  it('has accepted and refused rows', () => {
    expect(rows.filter((row) => row.result === 'refused').length).toBeGreaterThan(10);
    expect(rows.filter((row) => row.result !== 'refused').length).toBeGreaterThan(5);
  });

  it.each(rows.map((row) => [row.line, row]))('%s', (_line, { text, result }) => {
    const parsed = parseScaninUrl(text);
    if (result === 'refused') return void expect(parsed).toBeNull();
    const [, kind, issuer] = /^(login|enrollment), issuer `([^`]+)`$/.exec(result)!;
    expect(parsed).toMatchObject({ issuer, kind: kind === 'login' ? 'login' : 'enroll' });
  });
});
