import { generateKeyPairSync } from 'node:crypto';
import { calculateJwkThumbprint } from 'jose';
import { describe, expect, it } from 'vitest';
import { generateDeviceKey, importDeviceKey } from '../../src/authenticator/keys.ts';
import { DEVICE_ALGS } from '../../src/protocol/jwk.ts';

describe('device keys', () => {
  it('an ES256 key is a P-256 public JWK with 32-byte x and y', () => {
    const key = generateDeviceKey('ES256');
    expect(key.alg).toBe('ES256');
    expect(key.privateKey).toHaveLength(32);
    expect(key.publicJwk).toEqual({ kty: 'EC', crv: 'P-256', x: expect.stringMatching(/^[\w-]{43}$/), y: expect.stringMatching(/^[\w-]{43}$/) });
  });

  it('an EdDSA key is an Ed25519 public JWK with a 32-byte x', () => {
    const key = generateDeviceKey('EdDSA');
    expect(key.alg).toBe('EdDSA');
    expect(key.privateKey).toHaveLength(32);
    expect(key.publicJwk).toEqual({ kty: 'OKP', crv: 'Ed25519', x: expect.stringMatching(/^[\w-]{43}$/) });
  });

  it('every key is fresh', () => {
    expect(generateDeviceKey('ES256').deviceId).not.toBe(generateDeviceKey('ES256').deviceId);
  });

  for (const alg of DEVICE_ALGS) {
    it(`device_id of an ${alg} key is its RFC 7638 thumbprint, as jose computes it`, async () => {
      const key = generateDeviceKey(alg);
      expect(key.deviceId).toBe(await calculateJwkThumbprint(key.publicJwk, 'sha256'));
    });
  }

  it('derives from a P-256 private key the public JWK node:crypto derives', () => {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const { d, ...nodePublic } = privateKey.export({ format: 'jwk' });
    const key = importDeviceKey('ES256', Buffer.from(d!, 'base64url'));
    expect(key.publicJwk).toEqual(nodePublic);
  });

  it('derives from an Ed25519 private key the public JWK node:crypto derives', () => {
    const { privateKey } = generateKeyPairSync('ed25519');
    const { d, ...nodePublic } = privateKey.export({ format: 'jwk' });
    const key = importDeviceKey('EdDSA', Buffer.from(d!, 'base64url'));
    expect(key.publicJwk).toEqual(nodePublic);
  });

  it('refuses a private key that is not 32 bytes', () => {
    expect(() => importDeviceKey('ES256', new Uint8Array(31))).toThrow('a ES256 private key is 32 bytes, got 31');
  });
});
