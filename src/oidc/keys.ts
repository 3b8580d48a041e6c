// The provider's signing keys: one RS256 key (what every relying party must support, OpenID
// Connect Core §15.1) and one ES256 key sign at a time; all live in the database so every
// instance and every restart uses the same ones.
//
// Rotation follows oidc-provider's documented order (a new key is published before it signs, the
// old one stays published until what it signed has expired), driven by times in the database so
// that any number of instances converge without talking to each other:
//   next      created, published in JWKS, not signing yet (until `activates_at`)
//   current   the newest key of its algorithm whose `activates_at` has passed: it signs
//   previous  replaced by a newer current key, still published until the tokens it signed have
//             expired (the newer key's `activates_at` + RETIRE_AFTER)
//   retired   past that: no longer published, and its row is deleted
// Each instance re-reads the keys every KEYS_RELOAD_INTERVAL seconds (and on SIGHUP), so a key
// created by `scanin keys rotate` is published everywhere before it activates, provided the
// activation delay is longer than the reload interval (the command refuses otherwise).
import { createHash, generateKeyPairSync, randomBytes, type JsonWebKey } from 'node:crypto';
import type { Clock } from '../clock.ts';
import type { Logger } from '../log/logger.ts';
import { jwkThumbprint } from '../protocol/jwk.ts';
import type { Db } from '../store/db.ts';
import { isSealed, seal, unseal } from '../store/sealed.ts';
import { getOrCreateSetting } from '../store/settings.ts';
import { deleteSigningKeys, insertSigningKeys, listSigningKeys, replaceStoredJwk, type SigningKeyRow } from '../store/signingKeys.ts';

export const SIGNING_ALGS = ['RS256', 'ES256'] as const;
export type SigningAlg = (typeof SIGNING_ALGS)[number];

/**
 * The longest-lived token signed with these keys (access tokens are opaque): the engine's ID
 * token TTL. Kept here, not in provider.ts, so the command line reads keys without loading the engine.
 */
export const ID_TOKEN_TTL = 60 * 60;

/** How long a replaced key stays published: the longest-lived token it signs, plus clock skew. */
export const RETIRE_AFTER = ID_TOKEN_TTL + 5 * 60;

export type KeyState = 'next' | 'current' | 'previous' | 'retired';
export type SigningKey = { kid: string; alg: string; jwk: JsonWebKey; createdAt: number; activatesAt: number; state: KeyState; retiresAt: number | null };

/** RFC 7638 thumbprint of an RSA key (EC keys use the one devices use). */
function rsaThumbprint(jwk: JsonWebKey): string {
  return createHash('sha256').update(JSON.stringify({ e: jwk.e, kty: jwk.kty, n: jwk.n })).digest('base64url');
}

function generateSigningKey(alg: SigningAlg): JsonWebKey {
  if (alg === 'RS256') {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' });
    return { ...rsa, kid: rsaThumbprint(rsa), alg, use: 'sig' };
  }
  const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'jwk' });
  return { ...ec, kid: jwkThumbprint({ kty: 'EC', crv: 'P-256', x: ec.x!, y: ec.y! }), alg, use: 'sig' };
}

function newRow(alg: SigningAlg, secret: string | undefined, now: number, activatesAt: number): SigningKeyRow {
  const jwk = generateSigningKey(alg);
  const text = JSON.stringify(jwk);
  return { kid: jwk.kid as string, alg, jwk: secret ? seal(text, secret) : text, created_at: now, activates_at: activatesAt };
}

/** Each key's state at `now` (pure: the same rows and time give every instance the same answer). */
export function keyStates(rows: Array<Omit<SigningKeyRow, 'jwk'>>, now: number): Map<string, { state: KeyState; retiresAt: number | null }> {
  const states = new Map<string, { state: KeyState; retiresAt: number | null }>();
  for (const alg of new Set(rows.map((row) => row.alg))) {
    const ofAlg = rows.filter((row) => row.alg === alg).sort((a, b) => a.activates_at - b.activates_at || a.kid.localeCompare(b.kid));
    const active = ofAlg.filter((row) => row.activates_at <= now);
    active.forEach((row, i) => {
      if (i === active.length - 1) return states.set(row.kid, { state: 'current', retiresAt: null });
      const retiresAt = active[i + 1]!.activates_at + RETIRE_AFTER;
      states.set(row.kid, { state: now < retiresAt ? 'previous' : 'retired', retiresAt });
    });
    for (const row of ofAlg.filter((candidate) => candidate.activates_at > now)) states.set(row.kid, { state: 'next', retiresAt: null });
  }
  return states;
}

/** Every key in the database with its state at `now`, private parts opened with `secret`. */
export async function readSigningKeys(db: Db, now: number, secret: string | undefined): Promise<SigningKey[]> {
  const rows = await listSigningKeys(db);
  const states = keyStates(rows, now);
  return rows.map((row) => ({
    kid: row.kid,
    alg: row.alg,
    jwk: JSON.parse(unseal(row.jwk, secret, 'the signing keys')) as JsonWebKey,
    createdAt: row.created_at,
    activatesAt: row.activates_at,
    ...states.get(row.kid)!,
  }));
}

/**
 * At start: a first key of each algorithm if there is none, and, with a secret, every plain key
 * sealed (how keys stored before KEYS_SECRET was set get encrypted). A wrong secret fails here.
 */
async function prepareSigningKeys(db: Db, clock: Clock, secret: string | undefined, log: Logger | undefined): Promise<void> {
  const rows = await listSigningKeys(db);
  const now = clock();
  const missing = SIGNING_ALGS.filter((alg) => !rows.some((row) => row.alg === alg));
  // Instances starting together may each add one: the later key wins, both stay published.
  if (missing.length) {
    const created = missing.map((alg) => newRow(alg, secret, now, now));
    await insertSigningKeys(db, created);
    log?.info({ keys: created.map(({ kid, alg }) => ({ kid, alg })) }, 'signing keys generated');
  }
  for (const row of rows) {
    const plain = unseal(row.jwk, secret, 'the signing keys');
    if (secret && !isSealed(row.jwk)) await replaceStoredJwk(db, row.kid, row.jwk, seal(plain, secret));
  }
}

/** `scanin keys rotate`: a new key of each algorithm, published now, signing from `now + activateIn`. */
export async function rotateSigningKeys(db: Db, now: number, secret: string | undefined, activateIn: number): Promise<SigningKeyRow[]> {
  const rows = SIGNING_ALGS.map((alg) => newRow(alg, secret, now, now + activateIn));
  await insertSigningKeys(db, rows);
  return rows;
}

/**
 * What the engine gets: the published keys, the current key of each algorithm first (the engine
 * signs with the first key of the algorithm it needs). Retired rows are deleted on the way.
 */
export async function publishedSigningKeys(db: Db, now: number, secret: string | undefined): Promise<JsonWebKey[]> {
  const keys = await readSigningKeys(db, now, secret);
  await deleteSigningKeys(db, keys.filter((key) => key.state === 'retired').map((key) => key.kid));
  const rank: Record<KeyState, number> = { current: 0, next: 1, previous: 2, retired: 3 };
  return keys
    .filter((key) => key.state !== 'retired')
    .sort((a, b) => rank[a.state] - rank[b.state] || b.activatesAt - a.activatesAt)
    .map((key) => key.jwk);
}

/** At start: the keys prepared (keys made are logged on `log`, by kid and alg), then those to publish now. */
export async function loadSigningKeys(db: Db, clock: Clock, secret: string | undefined, log?: Logger): Promise<JsonWebKey[]> {
  await prepareSigningKeys(db, clock, secret, log);
  return publishedSigningKeys(db, clock(), secret);
}

/**
 * A secret Scanin makes once and keeps in the settings: plain (a JSON array or object, never a
 * string), or sealed with KEYS_SECRET when there is one (a string); one stored plain from before
 * KEYS_SECRET is sealed now. `what` names it in errors and in the line `log` gets when it is made.
 */
export async function generatedSecret<T extends object>(db: Db, key: string, create: () => T, secret: string | undefined, what: string, log?: Logger): Promise<T> {
  let made: T | string | undefined;
  const stored = await getOrCreateSetting<T | string>(db, key, () => {
    const value = create();
    return (made = secret ? seal(JSON.stringify(value), secret) : value);
  });
  // The first value written is kept: this one was made here when it is the one stored (random
  // bytes, and a sealed value has a random IV, so no other instance's equals it).
  if (JSON.stringify(stored) === JSON.stringify(made)) log?.info({ what }, `generated ${what}, kept in the database`);
  if (typeof stored !== 'string') {
    if (secret) await db('settings').where({ key, value: JSON.stringify(stored) }).update({ value: JSON.stringify(seal(JSON.stringify(stored), secret)) });
    return stored;
  }
  return JSON.parse(unseal(stored, secret, what)) as T;
}

/** Cookie-signing secrets: from COOKIE_KEYS when given, otherwise made once and persisted. */
export async function loadCookieKeys(db: Db, configured: string[] | undefined, secret: string | undefined, log?: Logger): Promise<string[]> {
  if (configured) return configured;
  return generatedSecret(db, 'oidc.cookie_keys', () => [randomBytes(32).toString('base64url')], secret, 'the cookie secrets', log);
}
