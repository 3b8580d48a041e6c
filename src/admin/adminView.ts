// Times in the console as the account page shows them (UTC on the server, the viewer's zone in
// the browser: assets/local-time.js), or null for "never".
import { when, type When } from '../accountPage/accountView.ts';

export function timeOf(at: number | null, now: number): When | null {
  return at === null ? null : when(at, now);
}
