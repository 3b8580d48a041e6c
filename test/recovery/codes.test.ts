// Recovery codes as text and hashes (src/recovery/codes.ts): the shape and alphabet of new codes,
// how forgivingly a typed code is read, what is refused, and the constant-time match.
import { describe, expect, it } from 'vitest';
import { CURRENT_PARAMS, hashCode, matchingSlot, newCodes, newSalt, normalizeCode } from '../../src/recovery/codes.ts';

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

describe('recovery codes', () => {
  it('makes ten distinct XXXX-XXXX-XXXX codes of Crockford base32, every character in use', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 60; i++) {
      const codes = newCodes();
      expect(codes).toHaveLength(10);
      expect(new Set(codes).size).toBe(10);
      for (const code of codes) {
        expect(code).toMatch(/^[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$/);
        for (const char of code.replaceAll('-', '')) seen.add(char);
      }
    }
    // 7200 characters drawn: each of the 32 appears (a missing one would mean a biased draw).
    expect([...seen].sort().join('')).toBe(CROCKFORD);
  });

  it('reads a typed code in any case, with spaces or dashes anywhere, O as 0 and I or L as 1', () => {
    expect(normalizeCode('7KQ2-M9XD-4HRT')).toBe('7KQ2M9XD4HRT');
    expect(normalizeCode(' 7kq2 m9xd 4hrt ')).toBe('7KQ2M9XD4HRT');
    expect(normalizeCode('7kq2m9xd4hrt')).toBe('7KQ2M9XD4HRT');
    expect(normalizeCode('O0Il-LIOo-0000')).toBe('001111000000');
    expect(normalizeCode('7-K-Q-2-M-9-X-D-4-H-R-T')).toBe('7KQ2M9XD4HRT');
  });

  it('refuses what cannot be a code: wrong length, U, other letters or symbols, other scripts, too long an input', () => {
    for (const input of ['', '7KQ2-M9XD', '7KQ2-M9XD-4HRT-A', 'UUUU-UUUU-UUUU', '7KQ2_M9XD_4HRT', '7KQ2-M9XD-4HR!', '7KQ2-M9XD-4HRТ', '７KQ2-M9XD-4HRT', `7KQ2-M9XD-4HRT${' '.repeat(60)}`]) {
      expect(normalizeCode(input), JSON.stringify(input)).toBeNull();
    }
  });

  it('hashes with scrypt under the set\'s salt: the same code and salt give the same hash, another salt another', async () => {
    const salt = newSalt();
    const [a, b, c] = await Promise.all([hashCode('7KQ2M9XD4HRT', salt, CURRENT_PARAMS), hashCode('7KQ2M9XD4HRT', salt, CURRENT_PARAMS), hashCode('7KQ2M9XD4HRT', newSalt(), CURRENT_PARAMS)]);
    expect(a).toBe(b);
    expect(a).not.toBe(c);
    expect(Buffer.from(a, 'base64url')).toHaveLength(32);
    await expect(hashCode('7KQ2M9XD4HRT', salt, 'sha256')).rejects.toThrow(/unknown recovery code hash parameters/);
  });

  it('finds the matching slot among all stored hashes, or none', () => {
    const stored = [0, 1, 2].map((slot) => ({ slot, hash: Buffer.alloc(32, slot + 1).toString('base64url') }));
    expect(matchingSlot(Buffer.alloc(32, 2).toString('base64url'), stored)).toBe(1);
    expect(matchingSlot(Buffer.alloc(32, 9).toString('base64url'), stored)).toBeNull();
    expect(matchingSlot(Buffer.alloc(16, 1).toString('base64url'), stored)).toBeNull();
    expect(matchingSlot(Buffer.alloc(32, 1).toString('base64url'), [])).toBeNull();
  });
});
