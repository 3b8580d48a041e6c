// The second implementation: reads and verifies a compact JWS with node:crypto only, the way
// the server does, so that nothing of the authenticator's own code checks its own output.
import { createPublicKey, verify, type JsonWebKey } from 'node:crypto';

export type DecodedJws = { header: Record<string, unknown>; payload: Record<string, unknown>; signature: Buffer };

export function decodeJws(jws: string): DecodedJws {
  const parts = jws.split('.');
  if (parts.length !== 3) throw new Error(`expected 3 parts, got ${parts.length}`);
  const [header, payload, signature] = parts as [string, string, string];
  return {
    header: JSON.parse(Buffer.from(header, 'base64url').toString('utf8')),
    payload: JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')),
    signature: Buffer.from(signature, 'base64url'),
  };
}

/** True when the JWS signature is valid for `jwk` (ES256 as r||s, or EdDSA). */
export function verifiesWithNodeCrypto(jws: string, jwk: JsonWebKey): boolean {
  const signingInput = Buffer.from(jws.slice(0, jws.lastIndexOf('.')), 'ascii');
  const { signature } = decodeJws(jws);
  const key = createPublicKey({ key: jwk, format: 'jwk' });
  return jwk.kty === 'EC'
    ? verify('sha256', signingInput, { key, dsaEncoding: 'ieee-p1363' }, signature)
    : verify(null, signingInput, key, signature);
}
