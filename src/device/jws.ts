// Decoding a device assertion (compact JWS) and checking its protected header. Pure: no I/O.
// Rules: three base64url parts; header and payload are JSON objects; typ is "scanin+jwt";
// alg is ES256 or EdDSA; the header names the key by `kid` (a known device) or, at enrollment
// only, carries the new public key as `jwk`; and the alg matches the key's type.
import { ASSERTION_TYP } from '../protocol/assertion.ts';
import { invalidAssertion } from '../protocol/errors.ts';
import { DEVICE_ALGS, algForJwk, parseDevicePublicJwk, type DeviceAlg, type DevicePublicJwk } from '../protocol/jwk.ts';
import { decodeUtf8 } from './utf8.ts';

export type DecodedAssertion = {
  header: Record<string, unknown>;
  payload: Record<string, unknown>;
  signingInput: Buffer;
  signature: Buffer;
};

const PART = /^[A-Za-z0-9_-]*$/;

function decodeJsonPart(part: string, what: string): Record<string, unknown> {
  const text = decodeUtf8(Buffer.from(part, 'base64url'));
  if (text === null) throw invalidAssertion(`the JWS ${what} is not valid UTF-8`);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw invalidAssertion(`the JWS ${what} is not base64url-encoded JSON`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw invalidAssertion(`the JWS ${what} must be a JSON object`);
  }
  return value as Record<string, unknown>;
}

export function decodeAssertion(compact: string): DecodedAssertion {
  const parts = compact.split('.');
  if (parts.length !== 3 || !parts.every((part) => PART.test(part)) || !parts[0] || !parts[1] || !parts[2]) {
    throw invalidAssertion('assertion must be a compact JWS: three non-empty base64url parts joined by "."');
  }
  const [header, payload, signature] = parts as [string, string, string];
  return {
    header: decodeJsonPart(header, 'header'),
    payload: decodeJsonPart(payload, 'payload'),
    signingInput: Buffer.from(`${header}.${payload}`, 'ascii'),
    signature: Buffer.from(signature, 'base64url'),
  };
}

function checkTypAndAlg(header: Record<string, unknown>): DeviceAlg {
  if (header.typ !== ASSERTION_TYP) throw invalidAssertion(`expected typ "${ASSERTION_TYP}", got ${JSON.stringify(header.typ)}`);
  if (!DEVICE_ALGS.includes(header.alg as DeviceAlg)) {
    throw invalidAssertion(`expected alg "ES256" or "EdDSA", got ${JSON.stringify(header.alg)}`);
  }
  // A critical extension we do not understand must fail closed (RFC 7515 §4.1.11).
  if ('crit' in header) throw invalidAssertion('the crit header is not supported');
  return header.alg as DeviceAlg;
}

/** Header of an assertion from an enrolled device: returns its alg and `kid`. */
export function checkDeviceHeader(header: Record<string, unknown>): { alg: DeviceAlg; kid: string } {
  const alg = checkTypAndAlg(header);
  if ('jwk' in header) throw invalidAssertion('an enrolled device names its key by kid, not jwk');
  if (typeof header.kid !== 'string' || header.kid === '') throw invalidAssertion('the header must carry kid, the device_id');
  return { alg, kid: header.kid };
}

/** Header of an enrollment assertion: returns its alg and the new public key. */
export function checkEnrollmentHeader(header: Record<string, unknown>): { alg: DeviceAlg; jwk: DevicePublicJwk } {
  const alg = checkTypAndAlg(header);
  if ('kid' in header) throw invalidAssertion('an enrollment assertion carries jwk, not kid');
  const jwk = parseDevicePublicJwk(header.jwk);
  if (typeof jwk === 'string') throw invalidAssertion(`header jwk: ${jwk}`);
  if (algForJwk(jwk) !== alg) throw invalidAssertion(`alg ${alg} does not fit a ${jwk.kty} ${jwk.crv} key`);
  return { alg, jwk };
}
