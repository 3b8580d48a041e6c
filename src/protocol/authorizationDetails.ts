// Transaction approval (RFC 9396 authorization_details, docs/protocol.md §7 and §19): what an app
// asks the person to approve beyond signing in ("Pay 120 EUR to ACME"), and how a phone's answer
// covers it. The login request carries the details as one JSON text; the answer signs `adh`, the
// SHA-256 of that text's UTF-8 bytes. Hashing the text as sent, not a re-serialization, is what
// lets a phone in any language compute it without a canonical JSON library. Shared by the server
// and the reference phone.
import { createHash } from 'node:crypto';
import { cleanText } from '../text/cleanText.ts';

/** What a person reads on the phone for one detail: short enough for one screen. */
export const DESCRIPTION_MAX = 200;

/** `adh`: base64url (no padding) of SHA-256 over the UTF-8 bytes of the `authorization_details` text. */
export function authorizationDetailsHash(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('base64url');
}

/**
 * The problem with one detail's `description`, or null. Scanin shows this text as the app wrote
 * it, so it must already be what a person would read: plain, one line, nothing invisible (the
 * same rule as every text Scanin passes on, text/cleanText.ts), and it is refused rather than
 * quietly changed so that what the phone shows is exactly what the token carries.
 */
export function descriptionProblem(description: unknown): string | null {
  if (typeof description !== 'string' || description === '') return 'needs a "description": the text the person reads on the phone before approving (a non-empty string)';
  if ([...description].length > DESCRIPTION_MAX) return `"description" must be at most ${DESCRIPTION_MAX} characters`;
  if (cleanText(description, DESCRIPTION_MAX) !== description) return '"description" must be plain text on one line: no control or invisible characters, no leading, trailing or repeated spaces, in Unicode NFKC form';
  return null;
}
