// A device key pair, made and held the way a phone would: the private key is raw bytes that
// never leave this process, the server only ever sees the public JWK and its thumbprint.
// Pure JS (@noble/curves) on purpose: it is the second implementation the tests check the
// server's node:crypto against, and a model for apps that have no native crypto at hand.
import { ed25519 } from '@noble/curves/ed25519.js';
import { p256 } from '@noble/curves/nist.js';
import { jwkThumbprint, type DeviceAlg, type DevicePublicJwk } from '../protocol/jwk.ts';

export type DeviceKey = {
  alg: DeviceAlg;
  /** 32 bytes: the P-256 scalar or the Ed25519 seed. */
  privateKey: Uint8Array;
  publicJwk: DevicePublicJwk;
  /** RFC 7638 thumbprint of `publicJwk`: what the server calls the device. */
  deviceId: string;
};

function base64url(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('base64url');
}

function publicJwkOf(alg: DeviceAlg, privateKey: Uint8Array): DevicePublicJwk {
  if (alg === 'ES256') {
    // Uncompressed SEC1 point: 0x04 || x (32 bytes) || y (32 bytes).
    const point = p256.getPublicKey(privateKey, false);
    return { kty: 'EC', crv: 'P-256', x: base64url(point.subarray(1, 33)), y: base64url(point.subarray(33, 65)) };
  }
  return { kty: 'OKP', crv: 'Ed25519', x: base64url(ed25519.getPublicKey(privateKey)) };
}

/** Rebuilds the key pair from its private part, e.g. as read back from the key store. */
export function importDeviceKey(alg: DeviceAlg, privateKey: Uint8Array): DeviceKey {
  if (privateKey.length !== 32) throw new Error(`a ${alg} private key is 32 bytes, got ${privateKey.length}`);
  const publicJwk = publicJwkOf(alg, privateKey);
  return { alg, privateKey, publicJwk, deviceId: jwkThumbprint(publicJwk) };
}

/** A fresh key pair from the CSPRNG. */
export function generateDeviceKey(alg: DeviceAlg): DeviceKey {
  const { secretKey } = alg === 'ES256' ? p256.keygen() : ed25519.keygen();
  return importDeviceKey(alg, secretKey);
}
