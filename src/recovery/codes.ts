// Recovery codes as text and as hashes. A code is 12 characters of Crockford's base32 (60
// random bits), shown as XXXX-XXXX-XXXX: short enough to type from paper, and read forgivingly
// (any case, spaces or dashes anywhere, O for 0, I and L for 1).
//
// Why a slow hash and not a fast one: 60 bits is too few for a fast hash to hide a code from
// whoever reads the database (2^60 SHA-256 is within reach), and 128-bit codes would be 26
// characters to type. So each set gets one random salt and every code is scrypt(code, salt):
// a stolen database costs about 2^56 scrypt runs per account to find one of its ten codes. One
// salt per set, not per code, so that checking an attempt costs one scrypt, not ten. Online
// guessing is bounded by the rate limits (recovery_ip, recovery_account) long before the 2^-56
// chance of a guess matters. SECURITY.md has the whole analysis.
import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';

/** Crockford's base32: no I, L, O or U. */
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
export const CODE_COUNT = 10;
const CODE_LENGTH = 12;
/** Longest input looked at: a code with generous spacing, nothing that costs anything to read. */
const INPUT_MAX = 64;

/**
 * scrypt's cost: N = 2^14, r = 8 (16 MiB, about 40 ms on one core here). Kept with each set as
 * "scrypt:N:r:p", so raising it later leaves earlier sets readable.
 */
export const CURRENT_PARAMS = 'scrypt:16384:8:1';

/** Ten new codes, in the form they are shown (XXXX-XXXX-XXXX). */
export function newCodes(): string[] {
  return Array.from({ length: CODE_COUNT }, () => {
    // 256 is a multiple of 32: each byte's low five bits are uniform.
    const text = [...randomBytes(CODE_LENGTH)].map((byte) => ALPHABET[byte & 31]).join('');
    return `${text.slice(0, 4)}-${text.slice(4, 8)}-${text.slice(8)}`;
  });
}

export function newSalt(): string {
  return randomBytes(16).toString('base64url');
}

/** A typed code as the 12 characters it stands for, or null when it cannot be one. Pure. */
export function normalizeCode(input: string): string | null {
  if (input.length > INPUT_MAX) return null;
  const text = input.toUpperCase().replace(/[\s-]/g, '').replace(/O/g, '0').replace(/[IL]/g, '1');
  return text.length === CODE_LENGTH && [...text].every((char) => ALPHABET.includes(char)) ? text : null;
}

function parseParams(params: string): { N: number; r: number; p: number } {
  const match = /^scrypt:(\d+):(\d+):(\d+)$/.exec(params);
  if (!match) throw new Error(`unknown recovery code hash parameters ${JSON.stringify(params)}`);
  return { N: Number(match[1]), r: Number(match[2]), p: Number(match[3]) };
}

/** scrypt(code, salt) as base64url; `code` is normalized. Runs on libuv's pool, not the event loop. */
export async function hashCode(code: string, salt: string, params: string): Promise<string> {
  const { N, r, p } = parseParams(params);
  return new Promise((resolve, reject) => {
    scrypt(code, Buffer.from(salt, 'base64url'), 32, { N, r, p, maxmem: 256 * N * r + 1024 * 1024 }, (error, key) => {
      if (error) reject(error);
      else resolve(key.toString('base64url'));
    });
  });
}

/**
 * The slot whose hash equals `hash`, comparing with every one of them in constant time (no early
 * exit), so the time taken says nothing about which code, or whether any, matched. Pure.
 */
export function matchingSlot(hash: string, stored: Array<{ slot: number; hash: string }>): number | null {
  const wanted = Buffer.from(hash, 'base64url');
  let found: number | null = null;
  for (const code of stored) {
    const candidate = Buffer.from(code.hash, 'base64url');
    const same = candidate.length === wanted.length && timingSafeEqual(candidate, wanted);
    if (same) found = code.slot;
  }
  return found;
}
