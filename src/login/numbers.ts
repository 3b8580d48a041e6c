// Number matching: the browser shows a two-digit number and the phone offers three; picking the
// one on the screen proves the person looks at this browser, not at a login someone else started.
import { randomInt } from 'node:crypto';

function twoDigits(): string {
  return String(randomInt(10, 100));
}

/** Three choices, one of them `right` (by default a new random number). */
export function newMatchNumbers(right = twoDigits()): { match_number: string; number_choices: string } {
  const choices = new Set([right]);
  while (choices.size < 3) choices.add(twoDigits());
  const shuffled = [...choices];
  for (let i = shuffled.length - 1; i > 0; i--) {
    const j = randomInt(0, i + 1);
    [shuffled[i], shuffled[j]] = [shuffled[j]!, shuffled[i]!];
  }
  return { match_number: right, number_choices: shuffled.join(',') };
}
