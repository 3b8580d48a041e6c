// Times people type: on the command line (--since 12h, --until 2027-01-31) and in the admin
// console's filters, read the same way in both.
const AGE_UNITS: Record<string, number> = { m: 60, h: 3600, d: 86400 };

/** "30m", "12h", "90d" in seconds; null for anything else. */
export function parseAge(text: string): number | null {
  const age = /^(\d{1,6})([mhd])$/.exec(text);
  return age ? Number(age[1]) * AGE_UNITS[age[2]!]! : null;
}

/** An ISO date or a time with its zone ("2027-01-31", "2027-01-31T18:00:00Z") in epoch seconds; null for anything else. */
export function parseIsoTime(text: string): number | null {
  const time = /^\d{4}-\d{2}-\d{2}(T[\d:.]+(Z|[+-]\d{2}:\d{2}))?$/.test(text) ? Date.parse(text) : NaN;
  return Number.isNaN(time) ? null : Math.floor(time / 1000);
}

/** `--since` (or `option`): an ISO date or time, or an age such as 12h or 7d ago; epoch seconds. */
export function parseSince(text: string, now: number, option = '--since'): number {
  const age = parseAge(text);
  if (age !== null) return now - age;
  const time = parseIsoTime(text);
  if (time === null) throw new Error(`${option}: expected an ISO date (2026-11-01), a time (2026-11-01T08:00:00Z) or an age (30m, 12h, 7d), got "${text}"`);
  return time;
}
