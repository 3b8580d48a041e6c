// The one rule for text people read and confirm by reading it (account names, device names,
// docs/protocol.md §4): trimmed of white space at both ends, then refused if it holds control,
// format (zero-width, bidirectional overrides), lone surrogates, private-use or unassigned
// characters or line breaks, so it displays as what it is. Device names (device/deviceName.ts)
// report the offending character with the protocol's own error; other names just fail.

// The white space trimmed from both ends: Unicode's White_Space property plus U+FEFF (a byte
// order mark some keyboards and copy-pastes leave), listed here so devices can do the same.
const SPACE = '[\\t\\n\\v\\f\\r \\u0085\\u00A0\\u1680\\u2000-\\u200A\\u2028\\u2029\\u202F\\u205F\\u3000\\uFEFF]';
const EDGE_SPACE = new RegExp(`^${SPACE}+|${SPACE}+$`, 'g');

const UNPRINTABLE = /[\p{Cc}\p{Cf}\p{Cs}\p{Co}\p{Cn}\p{Zl}\p{Zp}]/u;

export function trimSpace(text: string): string {
  return text.replace(EDGE_SPACE, '');
}

/** The first character that may not be shown, and where it is; null when there is none. */
export function firstUnprintable(text: string): { codePoint: string; index: number } | null {
  const bad = UNPRINTABLE.exec(text);
  return bad ? { codePoint: `U+${bad[0].codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`, index: bad.index } : null;
}

/** The trimmed text when it is 1 to `max` displayable characters (UTF-16 units), else null. */
export function displayText(value: unknown, max: number): string | null {
  const text = typeof value === 'string' ? trimSpace(value) : '';
  return text === '' || text.length > max || firstUnprintable(text) ? null : text;
}
