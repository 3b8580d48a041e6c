// Device public keys as JWKs: the only key shapes the protocol accepts, and their RFC 7638
// thumbprint, which is the device_id. Shared by the server and the reference authenticator.
import { createHash } from 'node:crypto';

export type DeviceAlg = 'ES256' | 'EdDSA';
export const DEVICE_ALGS: readonly DeviceAlg[] = ['ES256', 'EdDSA'];

export type EcPublicJwk = { kty: 'EC'; crv: 'P-256'; x: string; y: string };
export type OkpPublicJwk = { kty: 'OKP'; crv: 'Ed25519'; x: string };
export type DevicePublicJwk = EcPublicJwk | OkpPublicJwk;

const B64URL = /^[A-Za-z0-9_-]+$/;

function isCoordinate(value: unknown): value is string {
  // A 32-byte coordinate is 43 base64url characters, unpadded.
  return typeof value === 'string' && value.length === 43 && B64URL.test(value);
}

/**
 * Reduces an untrusted JWK to the public members of a P-256 or Ed25519 key, or says why it
 * cannot. A JWK that carries a private part (`d`) is refused: a device never sends it.
 */
export function parseDevicePublicJwk(input: unknown): DevicePublicJwk | string {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) return 'jwk must be a JSON object';
  const jwk = input as Record<string, unknown>;
  if ('d' in jwk) return 'jwk must not contain a private key';
  if (jwk.kty === 'EC') {
    if (jwk.crv !== 'P-256') return `expected crv "P-256", got ${JSON.stringify(jwk.crv)}`;
    if (!isCoordinate(jwk.x) || !isCoordinate(jwk.y)) return 'x and y must be 32-byte base64url values';
    return { kty: 'EC', crv: 'P-256', x: jwk.x, y: jwk.y };
  }
  if (jwk.kty === 'OKP') {
    if (jwk.crv !== 'Ed25519') return `expected crv "Ed25519", got ${JSON.stringify(jwk.crv)}`;
    if (!isCoordinate(jwk.x)) return 'x must be a 32-byte base64url value';
    return { kty: 'OKP', crv: 'Ed25519', x: jwk.x };
  }
  return `expected kty "EC" or "OKP", got ${JSON.stringify(jwk.kty)}`;
}

/** The JWS alg a key of this shape signs with. */
export function algForJwk(jwk: DevicePublicJwk): DeviceAlg {
  return jwk.kty === 'EC' ? 'ES256' : 'EdDSA';
}

/** RFC 7638 thumbprint: SHA-256 over the required members in lexicographic order, base64url. */
export function jwkThumbprint(jwk: DevicePublicJwk): string {
  const canonical = jwk.kty === 'EC'
    ? JSON.stringify({ crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y })
    : JSON.stringify({ crv: jwk.crv, kty: jwk.kty, x: jwk.x });
  return createHash('sha256').update(canonical).digest('base64url');
}
