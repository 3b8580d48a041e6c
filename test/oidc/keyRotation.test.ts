// Signing-key rotation as oidc-provider documents it (publish, then sign, then retire), with two
// instances on one PostgreSQL converging through the database, and tokens checked the way a
// relying party checks them: jose against the JWKS. Then private keys at rest under KEYS_SECRET.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RETIRE_AFTER, rotateSigningKeys } from '../../src/oidc/keys.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/databases.ts';
import { answerLogin, enrollDevice, loginAssertion, startDeviceTestScanin, waitingLogin, type DeviceTestScanin, type TestDevice } from '../helpers/device.ts';
import { completeLogin } from '../helpers/login.ts';
import { SCANIN_BIN } from '../helpers/process.ts';
import { discover, redeem } from '../helpers/rp.ts';
import { startTestScanin, testDir, testEnv, type TestScanin } from '../helpers/scanin.ts';

const kidOf = (jwt: string) => decodeProtectedHeader(jwt).kid;

async function jwksKids(scanin: TestScanin): Promise<string[]> {
  const body = (await (await fetch(`${scanin.issuer}/jwks`)).json()) as { keys: Array<{ kid: string; d?: string }> };
  expect(body.keys.every((key) => key.d === undefined)).toBe(true);
  return body.keys.map((key) => key.kid);
}

/** Verifies `token` (issued by `issuer`) as a relying party would, against `scanin`'s JWKS. */
function verifyAgainst(scanin: TestScanin, token: string, issuer: string) {
  return jwtVerify(token, createRemoteJWKSet(new URL(`${scanin.issuer}/jwks`)), { issuer });
}

describe('signing-key rotation with two instances on one PostgreSQL', () => {
  let database: TestDatabase;
  let a: DeviceTestScanin;
  let b: DeviceTestScanin;
  let phone: TestDevice;

  beforeAll(async () => {
    database = await createTestDatabase('postgres');
    a = await startDeviceTestScanin({ DATABASE_URL: database.url });
    b = await startDeviceTestScanin({ DATABASE_URL: database.url });
    phone = await enrollDevice(a, 'rotation@example.com');
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await database?.drop();
  });

  /** A whole QR login on `scanin` (the phone signing with the server's clock); its ID token. */
  async function idToken(scanin: DeviceTestScanin): Promise<string> {
    const config = await discover(scanin.issuer);
    const login = await waitingLogin(scanin);
    const answer = await answerLogin(scanin, login.rid, loginAssertion(scanin, phone, login));
    expect(answer.status, answer.text).toBe(200);
    login.events.close();
    const tokens = await redeem(config, await completeLogin(scanin, login), login.auth);
    return tokens.id_token!;
  }

  it('publishes the new key on every instance before it signs, signs with it once active, and drops the old one when its tokens have expired', async () => {
    const first = await idToken(a);
    const oldKid = kidOf(first)!;
    expect(await jwksKids(a)).toEqual(await jwksKids(b));
    expect(await jwksKids(b)).toContain(oldKid);

    // `scanin keys rotate --activate-in 600`, as the command line does it.
    const now = a.clock.freeze();
    b.clock.freeze(now);
    const added = await rotateSigningKeys(a.services.db, now, undefined, 600);
    const newKid = added.find((row) => row.alg === 'RS256')!.kid;
    expect(await jwksKids(a)).not.toContain(newKid); // not until the instances reload
    await a.reloadKeys();
    await b.reloadKeys();
    for (const scanin of [a, b]) expect(await jwksKids(scanin)).toEqual(expect.arrayContaining([oldKid, newKid, ...added.map((row) => row.kid)]));
    // Published, not signing yet: a token issued now still uses the old key.
    const published = await idToken(b);
    expect(kidOf(published)).toBe(oldKid);

    // Its time comes: both instances sign with the new key, and everything issued verifies.
    a.clock.freeze(now + 600);
    b.clock.freeze(now + 600);
    await a.reloadKeys();
    await b.reloadKeys();
    const fromA = await idToken(a);
    const fromB = await idToken(b);
    expect([kidOf(fromA), kidOf(fromB)]).toEqual([newKid, newKid]);
    for (const scanin of [a, b]) {
      await verifyAgainst(scanin, first, a.issuer);
      await verifyAgainst(scanin, published, b.issuer);
      await verifyAgainst(scanin, fromA, a.issuer);
      await verifyAgainst(scanin, fromB, b.issuer);
      expect(await jwksKids(scanin)).toContain(oldKid);
    }

    // Once every token the old key signed has expired, it is no longer published, nor kept.
    a.clock.freeze(now + 600 + RETIRE_AFTER);
    b.clock.freeze(now + 600 + RETIRE_AFTER);
    await a.reloadKeys();
    await b.reloadKeys();
    for (const scanin of [a, b]) {
      expect(await jwksKids(scanin)).not.toContain(oldKid);
      expect(await jwksKids(scanin)).toContain(newKid);
      await verifyAgainst(scanin, fromB, b.issuer);
      await expect(verifyAgainst(scanin, first, a.issuer)).rejects.toThrow();
    }
    expect(await a.services.db('signing_keys').where({ kid: oldKid }).first()).toBeUndefined();
    a.clock.release();
    b.clock.release();
  });
});

describe('upgrading a database from before signing_keys', () => {
  it('moves the keys kept in settings into the table, still signing, so tokens issued before still verify', async () => {
    const dir = testDir();
    const before = await startTestScanin({ dir });
    const kids = await jwksKids(before);
    // The database as a version before migration 008 left it: the keys in settings.
    const { db } = before.services;
    const jwks = ((await db('signing_keys').select('jwk')) as Array<{ jwk: string }>).map((row) => JSON.parse(row.jwk) as unknown);
    await db.schema.dropTable('signing_keys');
    await db('knex_migrations').where({ name: '008_signing_keys' }).delete();
    await db('settings').insert({ key: 'oidc.signing_keys', value: JSON.stringify(jwks) });
    await before.close();

    const after = await startTestScanin({ dir });
    expect(await jwksKids(after)).toEqual(kids);
    expect(await after.services.db('settings').where({ key: 'oidc.signing_keys' }).first()).toBeUndefined();
    await after.close();
  });
});

describe('private keys at rest under KEYS_SECRET', () => {
  const SECRET = 'a-keys-secret-that-is-long-enough-0123456789';
  const dir = testDir();
  const run = promisify(execFile);

  async function cli(args: string[], env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
    try {
      const { stdout, stderr } = await run(process.execPath, [SCANIN_BIN, ...args], { env: { ...process.env, ...testEnv(dir, env) } });
      return { code: 0, stdout, stderr };
    } catch (error) {
      const { code, stdout, stderr } = error as { code: number; stdout: string; stderr: string };
      return { code, stdout, stderr };
    }
  }

  async function storedKeys(scanin: TestScanin): Promise<Array<{ kid: string; jwk: string }>> {
    return scanin.services.db('signing_keys').select('kid', 'jwk');
  }

  it('seals the plain keys of an existing database when KEYS_SECRET is set, keeping every kid', async () => {
    const plain = await startTestScanin({ dir });
    const kids = await jwksKids(plain);
    expect((await storedKeys(plain)).every((row) => JSON.parse(row.jwk).d)).toBe(true);
    await plain.close();

    const sealed = await startTestScanin({ dir, env: { KEYS_SECRET: SECRET } });
    expect(await jwksKids(sealed)).toEqual(kids);
    const rows = await storedKeys(sealed);
    expect(rows.map((row) => row.kid).sort()).toEqual([...kids].sort());
    expect(rows.every((row) => row.jwk.startsWith('sealed:v1:') && !row.jwk.includes('"d"'))).toBe(true);
    const cookies = (await sealed.services.db('settings').where({ key: 'oidc.cookie_keys' }).first('value')) as { value: string };
    expect(JSON.parse(cookies.value)).toMatch(/^sealed:v1:/);
    await sealed.close();
  });

  it('refuses to start with a wrong secret or none, saying which, and changes nothing', async () => {
    await expect(startTestScanin({ dir, env: { KEYS_SECRET: `${SECRET}-wrong` } })).rejects.toThrow(
      'KEYS_SECRET: it does not decrypt the signing keys in the database (is it the secret they were sealed with?)',
    );
    await expect(startTestScanin({ dir })).rejects.toThrow('KEYS_SECRET: the signing keys in the database are encrypted, and KEYS_SECRET is not set');
    const again = await startTestScanin({ dir, env: { KEYS_SECRET: SECRET } });
    expect((await storedKeys(again)).length).toBe(2);
    await again.close();
  });

  // Six command-line processes, each loading the TypeScript: slow on a loaded machine.
  it('lists and rotates with `scanin keys`, refusing an activation too soon for the reload interval', { timeout: 120_000 }, async () => {
    const env = { KEYS_SECRET: SECRET };
    const listed = await cli(['keys', 'list'], env);
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stdout.trim().split('\n').map((line) => line.split('\t').slice(1, 3))).toEqual([['ES256', 'current'], ['RS256', 'current']]);

    const tooSoon = await cli(['keys', 'rotate', '--activate-in', '30'], env);
    expect(tooSoon.code).toBe(1);
    expect(tooSoon.stderr).toContain('shorter than twice KEYS_RELOAD_INTERVAL (120 s)');

    const wrong = await cli(['keys', 'rotate'], { KEYS_SECRET: `${SECRET}-wrong` });
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain('KEYS_SECRET: it does not decrypt the signing keys');

    const rotated = await cli(['keys', 'rotate'], env);
    expect(rotated.code, rotated.stderr).toBe(0);
    expect(rotated.stdout).toMatch(/\tRS256\tpublished now, signs from \d{4}-/);
    const after = await cli(['keys', 'list'], env);
    const states = after.stdout.trim().split('\n').map((line) => line.split('\t').slice(1, 3).join(' '));
    expect(states.sort()).toEqual(['ES256 current', 'ES256 next', 'RS256 current', 'RS256 next']);
    const bad = await cli(['keys', 'spin'], env);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('unknown action "spin"');
  });
});
