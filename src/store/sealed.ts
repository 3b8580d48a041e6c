// Secrets at rest: with KEYS_SECRET set, private keys and generated secrets are stored sealed
// with AES-256-GCM ("sealed:v1:" + base64url(iv ‖ tag ‖ ciphertext)), under a key derived from
// KEYS_SECRET with scrypt. Without it they are stored as they are. A wrong or missing secret is
// said plainly, never taken for a corrupt value.
import { createCipheriv, createDecipheriv, randomBytes, scryptSync } from 'node:crypto';

const PREFIX = 'sealed:v1:';
const derived = new Map<string, Buffer>();

function keyOf(secret: string): Buffer {
  let key = derived.get(secret);
  if (!key) derived.set(secret, (key = scryptSync(secret, 'scanin keys at rest', 32)));
  return key;
}

export function isSealed(value: string): boolean {
  return value.startsWith(PREFIX);
}

export function seal(plaintext: string, secret: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', keyOf(secret), iv);
  const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return PREFIX + Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url');
}

export class SealError extends Error {}

/** The plaintext of a stored value; `what` names it in errors. */
export function unseal(stored: string, secret: string | undefined, what: string): string {
  if (!isSealed(stored)) return stored;
  if (!secret) throw new SealError(`KEYS_SECRET: ${what} in the database are encrypted, and KEYS_SECRET is not set`);
  const raw = Buffer.from(stored.slice(PREFIX.length), 'base64url');
  const decipher = createDecipheriv('aes-256-gcm', keyOf(secret), raw.subarray(0, 12));
  decipher.setAuthTag(raw.subarray(12, 28));
  try {
    return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
  } catch {
    throw new SealError(`KEYS_SECRET: it does not decrypt ${what} in the database (is it the secret they were sealed with?)`);
  }
}
