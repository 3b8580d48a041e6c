// The provider's signing keys, generated on first start and persisted, so a restart keeps the
// same `kid`s and tokens issued before it still verify. RS256 is the algorithm every relying
// party must support (OpenID Connect Core §15.1); ES256 is offered beside it.
import { createHash, generateKeyPairSync, type JsonWebKey } from 'node:crypto';
import { randomBytes } from 'node:crypto';
import type { Db } from '../store/db.ts';
import { getOrCreateSetting } from '../store/settings.ts';

function thumbprintKid(jwk: JsonWebKey): string {
  const members = jwk.kty === 'RSA' ? { e: jwk.e, kty: jwk.kty, n: jwk.n } : { crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y };
  return createHash('sha256').update(JSON.stringify(members)).digest('base64url');
}

function generateSigningKeys(): JsonWebKey[] {
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' });
  const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'jwk' });
  return [
    { ...rsa, kid: thumbprintKid(rsa), alg: 'RS256', use: 'sig' },
    { ...ec, kid: thumbprintKid(ec), alg: 'ES256', use: 'sig' },
  ];
}

export function loadSigningKeys(db: Db): Promise<JsonWebKey[]> {
  return getOrCreateSetting(db, 'oidc.signing_keys', generateSigningKeys);
}

/** Cookie-signing secrets: from COOKIE_KEYS when given, otherwise made once and persisted. */
export function loadCookieKeys(db: Db, configured: string[] | undefined): Promise<string[]> {
  if (configured) return Promise.resolve(configured);
  return getOrCreateSetting(db, 'oidc.cookie_keys', () => [randomBytes(32).toString('base64url')]);
}
