import { generateKeyPairSync, sign as nodeSign } from 'node:crypto';
import { ed25519 } from '@noble/curves/ed25519.js';
import { p256 } from '@noble/curves/nist.js';
import { describe, expect, it } from 'vitest';
import { deviceHeader, enrollmentHeader, signAssertion } from '../../src/authenticator/assertion.ts';
import { generateDeviceKey } from '../../src/authenticator/keys.ts';
import { DEVICE_ALGS } from '../../src/protocol/jwk.ts';
import { decodeJws, verifiesWithNodeCrypto } from './node-jws.ts';

const payload = { aud: 'https://id.example.com', iat: 1_700_000_000, act: 'login', rid: 'r', chal: 'c', decision: 'approve' };

describe('signAssertion: noble signs, node:crypto verifies', () => {
  for (const alg of DEVICE_ALGS) {
    it(`an ${alg} assertion is a compact JWS that node:crypto verifies`, () => {
      const key = generateDeviceKey(alg);
      const jws = signAssertion(key, deviceHeader(key), payload);
      expect(jws).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/); // base64url, no padding
      expect(verifiesWithNodeCrypto(jws, key.publicJwk)).toBe(true);
      const decoded = decodeJws(jws);
      expect(decoded.header).toEqual({ alg, typ: 'scanin+jwt', kid: key.deviceId });
      expect(decoded.payload).toEqual(payload);
      expect(decoded.signature).toHaveLength(64);
    });

    it(`an ${alg} assertion does not verify with another key`, () => {
      const key = generateDeviceKey(alg);
      const jws = signAssertion(key, deviceHeader(key), payload);
      expect(verifiesWithNodeCrypto(jws, generateDeviceKey(alg).publicJwk)).toBe(false);
    });
  }

  it('the enrollment header carries the public JWK instead of kid', () => {
    const key = generateDeviceKey('ES256');
    const { header } = decodeJws(signAssertion(key, enrollmentHeader(key), payload));
    expect(header).toEqual({ alg: 'ES256', typ: 'scanin+jwt', jwk: key.publicJwk });
  });

  it('signs the UTF-8 bytes of non-ASCII text', () => {
    const key = generateDeviceKey('ES256');
    const jws = signAssertion(key, deviceHeader(key), { ...payload, device_name: 'Zoë’s phone ✓' });
    expect(decodeJws(jws).payload.device_name).toBe('Zoë’s phone ✓');
    expect(verifiesWithNodeCrypto(jws, key.publicJwk)).toBe(true);
  });

  it('signs any header it is given, so tests can forge what the server must refuse', () => {
    const key = generateDeviceKey('EdDSA');
    const jws = signAssertion(key, { alg: 'none', typ: 'JWT' }, { anything: true });
    expect(decodeJws(jws).header).toEqual({ alg: 'none', typ: 'JWT' });
    expect(verifiesWithNodeCrypto(jws, key.publicJwk)).toBe(true);
  });
});

describe('node:crypto signs, noble verifies', () => {
  const message = Buffer.from('header.payload', 'ascii');
  // The order of the P-256 group: s and n - s are the two valid forms of one signature.
  const n = p256.Point.CURVE().n;

  function withS(signature: Buffer, s: bigint): Uint8Array {
    return Buffer.concat([signature.subarray(0, 32), Buffer.from(s.toString(16).padStart(64, '0'), 'hex')]);
  }

  it('an ES256 signature verifies in both its low-S and high-S forms (noble only with lowS: false)', () => {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const jwk = publicKey.export({ format: 'jwk' });
    const point = Buffer.concat([Buffer.from([4]), Buffer.from(jwk.x!, 'base64url'), Buffer.from(jwk.y!, 'base64url')]);
    const signature = nodeSign('sha256', message, { key: privateKey, dsaEncoding: 'ieee-p1363' });
    const s = BigInt(`0x${signature.subarray(32).toString('hex')}`);
    const low = withS(signature, s > n / 2n ? n - s : s);
    const high = withS(signature, s > n / 2n ? s : n - s);

    expect(p256.verify(low, message, point)).toBe(true);
    expect(p256.verify(high, message, point, { lowS: false })).toBe(true);
    // noble's default refuses the high-S form that node:crypto (and the server) accept.
    expect(p256.verify(high, message, point)).toBe(false);
  });

  it('an EdDSA signature verifies', () => {
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    const x = Buffer.from(publicKey.export({ format: 'jwk' }).x!, 'base64url');
    expect(ed25519.verify(nodeSign(null, message, privateKey), message, x)).toBe(true);
  });
});
