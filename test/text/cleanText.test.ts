// The one cleaner for text people read, and the one check of an email address given for an
// account: what comes out displays as what it is.
import { describe, expect, it } from 'vitest';
import { checkEmail } from '../../src/text/checkEmail.ts';
import { cleanText } from '../../src/text/cleanText.ts';

describe('cleanText', () => {
  it.each([
    ['compatibility forms become plain letters (NFKC)', 'Ａｎｎ ﬁsh', 'Ann fish'],
    ['control characters and NEL become spaces', 'Ann\u0085Evil\u0007Corp', 'Ann Evil Corp'],
    ['bidirectional overrides and isolates are removed', 'invoice\u202Egpj.exe\u2066x\u2069', 'invoice gpj.exe x'],
    ['zero-width characters and the soft hyphen are removed', 'Ad\u200Bmin\u00AD\uFEFF', 'Ad min'],
    ['line and paragraph breaks do not split a row', 'Ann\nExample\r\n\u2028Boss\u2029', 'Ann Example Boss'],
    ['private-use and unassigned characters are removed', 'A\uE000B\u0378C', 'A B C'],
    ['stacked combining marks are cut to three', 'q\u0301\u0302\u0303\u0304\u0305\u0306o', 'q\u0301\u0302\u0303o'],
    ['white space runs collapse and ends are trimmed', '  Ann \t  Example  ', 'Ann Example'],
  ])('%s', (_rule, input, output) => {
    expect(cleanText(input, 200)).toBe(output);
  });

  it('cuts to the limit in code points, with an ellipsis', () => {
    expect(cleanText('a'.repeat(10), 5)).toBe('aaaa…');
    expect([...cleanText('😀'.repeat(10), 5)]).toHaveLength(5);
    expect(cleanText('short', 5)).toBe('short');
  });
});

describe('checkEmail', () => {
  it('lower-cases and trims a plain address', () => {
    expect(checkEmail('  Ann@Example.COM ')).toBe('ann@example.com');
    expect(checkEmail('müller@bücher.de')).toBe('müller@bücher.de');
  });

  it.each([
    ['not an address', 'ann.example.com', 'is not an email address'],
    ['a bidi override', 'ann\u202E@example.com', 'invisible, control or look-alike'],
    ['a zero-width space', 'ad\u200Bmin@example.com', 'invisible, control or look-alike'],
    ['fullwidth letters', 'ａnn@example.com', 'invisible, control or look-alike'],
    ['a Cyrillic а in a Latin domain', 'ann@pаypal.com', 'mixes letters of different scripts in "pаypal"'],
    ['a Greek ο in a Latin local part', 'bοb@example.com', 'mixes letters of different scripts'],
  ])('refuses %s', (_what, input, message) => {
    expect(() => checkEmail(input)).toThrow(message);
  });
});

