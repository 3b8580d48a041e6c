// The name a user gives a device at enrollment (docs/protocol.md §4): trimmed of white space at
// both ends, then 1 to 64 UTF-16 code units of printable text, by the one rule for names people
// read (protocol/displayText.ts), with errors that say what was wrong. Pure.
import { invalidDeviceName } from '../protocol/errors.ts';
import { firstUnprintable, trimSpace } from '../protocol/displayText.ts';

const DEVICE_NAME_MAX = 64;

export function parseDeviceName(value: unknown): string {
  if (typeof value !== 'string') throw invalidDeviceName(`device_name must be a string, got ${JSON.stringify(value)}`);
  const name = trimSpace(value);
  if (name === '' || name.length > DEVICE_NAME_MAX) {
    throw invalidDeviceName(`device_name must be 1 to ${DEVICE_NAME_MAX} UTF-16 code units once trimmed, got ${name.length}`);
  }
  const bad = firstUnprintable(name);
  if (bad) throw invalidDeviceName(`device_name must be printable; it has ${bad.codePoint} at position ${bad.index}`);
  return name;
}
