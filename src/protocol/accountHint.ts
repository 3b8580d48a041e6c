// The account a login request is for, as a device can recognise it and a passer-by cannot read:
// base64url(SHA-256(ASCII(rid "." sub))). A device computes it for each account it holds at the
// issuer and answers only with the one that matches. The email would tell anyone who sees the
// QR code who is signing in; the bare `sub` would be a stable id that links one person's
// sign-ins; bound to the rid, the hint changes with every QR code and names no one.
import { createHash } from 'node:crypto';

export function accountHint(rid: string, sub: string): string {
  return createHash('sha256').update(`${rid}.${sub}`, 'ascii').digest('base64url');
}
