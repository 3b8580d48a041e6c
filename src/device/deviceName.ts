// The name a user gives a device at enrollment (docs/protocol.md §4): trimmed of white space at
// both ends, then 1 to 64 UTF-16 code units of printable text. Pure.
import { invalidDeviceName } from '../protocol/errors.ts';

const DEVICE_NAME_MAX = 64;

// The white space trimmed from both ends: Unicode's White_Space property plus U+FEFF (a byte
// order mark some keyboards and copy-pastes leave), listed here so devices can do the same.
const SPACE = '[\\t\\n\\v\\f\\r \\u0085\\u00A0\\u1680\\u2000-\\u200A\\u2028\\u2029\\u202F\\u205F\\u3000\\uFEFF]';
const EDGE_SPACE = new RegExp(`^${SPACE}+|${SPACE}+$`, 'g');

// Control, format (zero-width, bidirectional overrides), lone surrogates, private-use and
// unassigned characters, and line breaks: a name people confirm by reading it must display as
// what it is.
const UNPRINTABLE = /[\p{Cc}\p{Cf}\p{Cs}\p{Co}\p{Cn}\p{Zl}\p{Zp}]/u;

export function parseDeviceName(value: unknown): string {
  if (typeof value !== 'string') throw invalidDeviceName(`device_name must be a string, got ${JSON.stringify(value)}`);
  const name = value.replace(EDGE_SPACE, '');
  if (name === '' || name.length > DEVICE_NAME_MAX) {
    throw invalidDeviceName(`device_name must be 1 to ${DEVICE_NAME_MAX} UTF-16 code units once trimmed, got ${name.length}`);
  }
  const bad = UNPRINTABLE.exec(name);
  if (bad) {
    const code = bad[0].codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0');
    throw invalidDeviceName(`device_name must be printable; it has U+${code} at position ${bad.index}`);
  }
  return name;
}
