// Device assertions: compact JWS (RFC 7515) signed with the device key.
// `signAssertion` signs whatever header and payload it is given, so tests can also forge the
// assertions the server must refuse (another typ or alg, a stranger's kid, a stale iat).
import { createHash, randomBytes } from 'node:crypto';
import { ed25519 } from '@noble/curves/ed25519.js';
import { p256 } from '@noble/curves/nist.js';
import { ASSERTION_TYP } from '../protocol/assertion.ts';
import type { DeviceKey } from './keys.ts';

/** The header of every assertion after enrollment: the server finds the key by `kid`. */
export function deviceHeader(key: DeviceKey): Record<string, unknown> {
  return { alg: key.alg, typ: ASSERTION_TYP, kid: key.deviceId };
}

/** The header at enrollment, when the server does not know the key yet and reads it from `jwk`. */
export function enrollmentHeader(key: DeviceKey): Record<string, unknown> {
  return { alg: key.alg, typ: ASSERTION_TYP, jwk: key.publicJwk };
}

function base64url(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64url');
}

function sign(key: DeviceKey, data: Uint8Array): Uint8Array {
  if (key.alg === 'ES256') {
    // RFC 7518 §3.4: ECDSA over SHA-256 of the signing input, as the 64 bytes r || s.
    // Spelled out although they are noble's defaults, because a JWS depends on each of them.
    return p256.sign(data, key.privateKey, { prehash: true, format: 'compact' });
  }
  // RFC 8037 §3.1: Ed25519 over the signing input itself, 64 bytes.
  return ed25519.sign(data, key.privateKey);
}

/**
 * `base64url(header) . base64url(payload) . base64url(signature)`, the signature made with
 * `key` whatever `header.alg` says.
 */
export function signAssertion(key: DeviceKey, header: Record<string, unknown>, payload: Record<string, unknown>): string {
  return signJsonTexts(key, JSON.stringify(header), JSON.stringify(payload));
}

/** The same, over header and payload JSON texts exactly as given (the bytes are what is signed). */
export function signJsonTexts(key: DeviceKey, headerJson: string, payloadJson: string): string {
  const signingInput = `${base64url(headerJson)}.${base64url(payloadJson)}`;
  const signature = sign(key, Buffer.from(signingInput, 'ascii'));
  return `${signingInput}.${Buffer.from(signature).toString('base64url')}`;
}

export type DeviceRequest = { issuer: string; act: string; method: string; url: string; body: Uint8Array; iat: number };

/**
 * The `Authorization` header value of a device's own request (docs/protocol.md, "Device
 * requests"): an assertion binding the method, the URL and the exact body, with a fresh jti.
 */
export function requestAuthorization(key: DeviceKey, request: DeviceRequest): string {
  const payload = {
    aud: request.issuer,
    iat: request.iat,
    act: request.act,
    htm: request.method,
    htu: request.url,
    body_sha256: createHash('sha256').update(request.body).digest('base64url'),
    jti: randomBytes(16).toString('base64url'),
  };
  return `Scanin ${signAssertion(key, deviceHeader(key), payload)}`;
}
