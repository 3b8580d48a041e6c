// The one source of random identifiers: CSPRNG bytes, base64url without padding.
import { randomBytes } from 'node:crypto';

/** 128 bits: enough that nobody guesses a live rid or eid. */
export function newId(): string {
  return randomBytes(16).toString('base64url');
}

/** 256 bits, for the challenges a device signs. */
export function newChallenge(): string {
  return randomBytes(32).toString('base64url');
}
