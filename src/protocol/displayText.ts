// Names people read (account names) must display as what they are: control, format (zero-width,
// bidirectional overrides), lone surrogates, private-use and unassigned characters and line
// breaks are refused, as in device names (device/deviceName.ts, with the protocol's own errors).
const UNPRINTABLE = /[\p{Cc}\p{Cf}\p{Cs}\p{Co}\p{Cn}\p{Zl}\p{Zp}]/u;

/** The trimmed text when it is 1 to `max` displayable characters (UTF-16 units), else null. */
export function displayText(value: unknown, max: number): string | null {
  const text = typeof value === 'string' ? value.trim() : '';
  return text === '' || text.length > max || UNPRINTABLE.test(text) ? null : text;
}
