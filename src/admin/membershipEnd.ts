// When a membership made in the console ends: the form's `until`, a date (YYYY-MM-DD, what a date
// input sends), ending as that day begins in UTC, as `scanin groups add --until` does; no date: never.
import { parseIsoTime } from '../text/timeInput.ts';
import { refused } from './adminSession.ts';

export function membershipEnd(form: Record<string, string>, now: number): number | null {
  const until = form.until ?? '';
  if (until === '') return null;
  const at = /^\d{4}-\d{2}-\d{2}$/.test(until) ? parseIsoTime(until) : null;
  if (at === null) throw refused('The end of a membership is a date such as 2027-01-31.');
  if (at <= now) throw refused('The end of a membership must be in the future.');
  return at;
}
