// Variables that look like Scanin's but are not read: a misspelt DATABASE_URL would otherwise be
// ignored in silence and Scanin would start on the default database. Warned about, never fatal.
import { DEVICE_KEYS_VARIABLE } from '../authenticator/keysVariable.ts';
import { knownVariables } from './env.ts';

/** Edits (insert, delete, substitute, swap two neighbours) that turn `a` into `b`. */
function editDistance(a: string, b: string): number {
  const rows = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) rows[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const row = rows[i]!;
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      row[j] = Math.min(rows[i - 1]![j]! + 1, row[j - 1]! + 1, rows[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) row[j] = Math.min(row[j]!, rows[i - 2]![j - 2]! + 1);
    }
  }
  return rows[a.length]![b.length]!;
}

/**
 * The known name `name` is probably a slip for: one edit away, two for names of 8 characters or
 * more, ignoring case. Short names need the closer match: HOME is two edits from HOST.
 */
function meant(name: string, known: Set<string>): string | undefined {
  let best: { name: string; distance: number } | undefined;
  for (const candidate of known) {
    const distance = editDistance(name.toUpperCase(), candidate);
    if (distance > (candidate.length >= 8 ? 2 : 1)) continue;
    if (!best || distance < best.distance) best = { name: candidate, distance };
  }
  return best?.name;
}

/** One warning per variable of `env` that Scanin does not read but that looks like one it does. */
export function unknownVariableWarnings(env: Record<string, string | undefined>): string[] {
  // scanin-device's variable is no slip either: the same shell often runs both.
  const known = new Set([...knownVariables(), DEVICE_KEYS_VARIABLE]);
  const warnings: string[] = [];
  for (const name of Object.keys(env).sort()) {
    if (known.has(name)) continue;
    const guess = meant(name, known);
    if (guess) warnings.push(`${name} is not a variable Scanin reads, and is ignored: did you mean ${guess}?`);
    else if (name.toUpperCase().startsWith('SCANIN_')) warnings.push(`${name} is not a variable Scanin reads, and is ignored (see the README's Configuration)`);
  }
  return warnings;
}
