// The one check of an email address that a person gives for an account (invite, sign-up):
// lower-cased and trimmed; one @, a dotted domain, no white space; nothing that cleanText would
// change (no invisible, control or compatibility characters); and each part of it in one
// script, so "pаypal.com" with a Cyrillic "а" is refused rather than shown as if it were Latin.
import { cleanText, TEXT_LIMITS } from './cleanText.ts';

const SHAPE = /^[^\s@]+@[^\s@]+\.[^\s@]+$/u;
const SCRIPTS: Array<[string, RegExp]> = [
  ['Latin', /\p{Script=Latin}/u],
  ['Cyrillic', /\p{Script=Cyrillic}/u],
  ['Greek', /\p{Script=Greek}/u],
  ['Armenian', /\p{Script=Armenian}/u],
  ['Hebrew', /\p{Script=Hebrew}/u],
  ['Arabic', /\p{Script=Arabic}/u],
  ['Han', /\p{Script=Han}/u],
];

export class EmailError extends Error {}

/** The scripts whose letters appear in `text`; letters of any other script count as "other". */
function scriptsOf(text: string): Set<string> {
  const found = new Set<string>();
  for (const char of text) {
    if (!/\p{L}/u.test(char)) continue;
    found.add(SCRIPTS.find(([, pattern]) => pattern.test(char))?.[0] ?? 'other');
  }
  return found;
}

/** The address to store, or an EmailError saying what is wrong with it. */
export function checkEmail(input: string): string {
  const email = input.trim().toLowerCase();
  if (email.length > TEXT_LIMITS.email || !SHAPE.test(email)) throw new EmailError(`"${cleanText(input, 80)}" is not an email address`);
  if (cleanText(email, TEXT_LIMITS.email) !== email) {
    throw new EmailError('the email address has invisible, control or look-alike compatibility characters');
  }
  for (const part of email.split(/[@.]/)) {
    if (scriptsOf(part).size > 1) throw new EmailError(`the email address mixes letters of different scripts in "${part}", as look-alike addresses do`);
  }
  return email;
}
