// The provider's signing keys, generated on first start and persisted, so a restart keeps the
// same `kid`s and tokens issued before it still verify. RS256 is the algorithm every relying
// party must support (OpenID Connect Core §15.1); ES256 is offered beside it.
import { createHash, generateKeyPairSync, randomBytes, type JsonWebKey } from 'node:crypto';
import { jwkThumbprint } from '../protocol/jwk.ts';
import type { Db } from '../store/db.ts';
import { getOrCreateSetting } from '../store/settings.ts';

/** RFC 7638 thumbprint of an RSA key (EC keys use the one devices use). */
function rsaThumbprint(jwk: JsonWebKey): string {
  return createHash('sha256').update(JSON.stringify({ e: jwk.e, kty: jwk.kty, n: jwk.n })).digest('base64url');
}

function generateSigningKeys(): JsonWebKey[] {
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' });
  const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'jwk' });
  return [
    { ...rsa, kid: rsaThumbprint(rsa), alg: 'RS256', use: 'sig' },
    { ...ec, kid: jwkThumbprint({ kty: 'EC', crv: 'P-256', x: ec.x!, y: ec.y! }), alg: 'ES256', use: 'sig' },
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
