// The device key, made and used the way docs/protocol.md §3–4 asks of a phone: WebCrypto makes
// it non-extractable (the private key never exists as bytes in JavaScript) and it lives in
// IndexedDB as a CryptoKey. Ed25519 where the browser has it, else P-256 (ES256). Both sign
// the protocol's assertions directly: WebCrypto's ECDSA signature is already r‖s.
import type { DeviceAlg, DevicePublicJwk } from '../../protocol/jwk.ts';
import { ASSERTION_TYP } from '../../protocol/assertion.ts';

export type DeviceKeyPair = { alg: DeviceAlg; privateKey: CryptoKey; publicJwk: DevicePublicJwk; deviceId: string };

const encoder = new TextEncoder();

export function base64url(bytes: ArrayBuffer | Uint8Array): string {
  const array = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  let binary = '';
  for (const byte of array) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

export function fromBase64url(text: string): Uint8Array<ArrayBuffer> {
  const binary = atob(text.replace(/-/g, '+').replace(/_/g, '/'));
  return Uint8Array.from(binary, (char) => char.charCodeAt(0));
}

export async function sha256(data: string | Uint8Array<ArrayBuffer>): Promise<string> {
  return base64url(await crypto.subtle.digest('SHA-256', typeof data === 'string' ? encoder.encode(data) : data));
}

/** RFC 7638: SHA-256 over the required members, in lexicographic order, without white space. */
async function thumbprint(jwk: DevicePublicJwk): Promise<string> {
  const members = jwk.kty === 'EC' ? { crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y } : { crv: jwk.crv, kty: jwk.kty, x: jwk.x };
  return sha256(JSON.stringify(members));
}

async function generate(algorithm: EcKeyGenParams | Algorithm, alg: DeviceAlg): Promise<DeviceKeyPair> {
  // extractable: false applies to the private key; the public key is always exportable.
  const pair = (await crypto.subtle.generateKey(algorithm, false, ['sign', 'verify'])) as CryptoKeyPair;
  const exported = await crypto.subtle.exportKey('jwk', pair.publicKey);
  const publicJwk: DevicePublicJwk = alg === 'ES256'
    ? { kty: 'EC', crv: 'P-256', x: exported.x!, y: exported.y! }
    : { kty: 'OKP', crv: 'Ed25519', x: exported.x! };
  return { alg, privateKey: pair.privateKey, publicJwk, deviceId: await thumbprint(publicJwk) };
}

/** A fresh key pair: Ed25519 when this browser's WebCrypto makes one, else P-256. */
export async function generateDeviceKey(): Promise<DeviceKeyPair> {
  try {
    return await generate({ name: 'Ed25519' }, 'EdDSA');
  } catch {
    return generate({ name: 'ECDSA', namedCurve: 'P-256' }, 'ES256');
  }
}

const json64 = (value: unknown) => base64url(encoder.encode(JSON.stringify(value)));

/** A compact JWS of `payload`, with the enrollment header (`jwk`) or a device's (`kid`). */
export async function signAssertion(key: Pick<DeviceKeyPair, 'alg' | 'privateKey' | 'publicJwk' | 'deviceId'>, payload: Record<string, unknown>, enrolling = false): Promise<string> {
  const header = enrolling ? { alg: key.alg, typ: ASSERTION_TYP, jwk: key.publicJwk } : { alg: key.alg, typ: ASSERTION_TYP, kid: key.deviceId };
  const signingInput = `${json64(header)}.${json64(payload)}`;
  const algorithm = key.alg === 'ES256' ? { name: 'ECDSA', hash: 'SHA-256' } : { name: 'Ed25519' };
  const signature = await crypto.subtle.sign(algorithm, key.privateKey, encoder.encode(signingInput));
  return `${signingInput}.${base64url(signature)}`;
}

export function newJti(): string {
  return base64url(crypto.getRandomValues(new Uint8Array(16)));
}
