// The whole QR login, as a relying party, a browser and a phone see it: invite → enroll → QR page
// → SSE scanned, approved → code → tokens, and again after a restart on the same database.
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Authenticator } from '../../src/authenticator/authenticator.ts';
import { completeLogin, enrolledPhone, openEvents, openLoginPage } from '../helpers/login.ts';
import { authorizationRequest, discover, redeem } from '../helpers/rp.ts';
import { createTestDatabase, DATABASE_KINDS, type TestDatabase } from '../helpers/databases.ts';
import { startTestScanin, PUBLIC_CLIENT, type TestScanin } from '../helpers/scanin.ts';

describe.each(DATABASE_KINDS)('log in to an OIDC app by scanning a QR code (%s)', (kind) => {
  let database: TestDatabase;
  let scanin: TestScanin;
  let phone: Authenticator;
  let firstIdToken: string;
  let sub: string;

  beforeAll(async () => {
    database = await createTestDatabase(kind);
    scanin = await startTestScanin({ env: { DATABASE_URL: database.url } });
    phone = await enrolledPhone(scanin, 'alice@example.com');
  });
  afterAll(async () => {
    await scanin?.close();
    await database?.drop();
  });

  async function loginOnce() {
    const config = await discover(scanin.issuer);
    const login = await openLoginPage(config);
    const events = await openEvents(login);
    expect(events.status).toBe(200);
    expect(events.contentType).toContain('text/event-stream');

    const request = await phone.fetchLoginRequest(login.qrUrl);
    expect(request.client).toEqual({ client_id: PUBLIC_CLIENT, name: 'Test App' });
    expect(request.browser?.ip).toBe('127.0.0.1');
    expect(request.browser?.user_agent).toBe(login.browser.userAgent);
    expect(await events.next()).toEqual({ type: 'scanned', data: {} });

    expect((await phone.answer(login.qrUrl, 'approve')).status).toBe('approved');
    expect(await events.next()).toEqual({ type: 'approved', data: { complete_url: `/interaction/${login.uid}/complete`, account: expect.any(String) } });
    events.close();

    const callback = await completeLogin(scanin, login);
    const tokens = await redeem(config, callback, login.auth);
    return { tokens, login };
  }

  it('issues an ID token with sub, email, name, nonce, amr and auth_time that verifies against the JWKS', async () => {
    const { tokens, login } = await loginOnce();
    const claims = tokens.claims()!;
    expect(claims.email).toBe('alice@example.com');
    expect(claims.name).toBe('Test Person');
    expect(claims.nonce).toBe(login.auth.nonce);
    expect(claims.amr).toEqual(['pop']);
    expect(typeof claims.auth_time).toBe('number');
    expect(claims.iss).toBe(scanin.issuer);
    expect(claims.aud).toBe(PUBLIC_CLIENT);
    firstIdToken = tokens.id_token!;
    sub = claims.sub;

    const jwks = createRemoteJWKSet(new URL(`${scanin.issuer}/jwks`));
    const { payload } = await jwtVerify(firstIdToken, jwks, { issuer: scanin.issuer, audience: PUBLIC_CLIENT });
    expect(payload.sub).toBe(sub);
  });

  it('serves userinfo for the access token', async () => {
    const response = await fetch(`${scanin.issuer}/me`, { headers: { authorization: `Bearer ${(await loginOnce()).tokens.access_token}` } });
    expect(await response.json()).toEqual({ sub, email: 'alice@example.com', email_verified: false, name: 'Test Person', preferred_username: 'alice@example.com' });
  });

  async function restart() {
    const { dir, port, env } = scanin;
    await scanin.close();
    scanin = await startTestScanin({ dir, env: { ...env, PORT: String(port) } });
  }

  it('after a restart on the same database: the device still works and the earlier ID token still verifies', async () => {
    await restart();

    const jwks = createRemoteJWKSet(new URL(`${scanin.issuer}/jwks`));
    const { payload } = await jwtVerify(firstIdToken, jwks, { issuer: scanin.issuer });
    expect(payload.sub).toBe(sub);

    const { tokens } = await loginOnce();
    expect(tokens.claims()!.sub).toBe(sub);
  });

  it('keeps a login that is waiting on its QR code across a restart', async () => {
    const config = await discover(scanin.issuer);
    const login = await openLoginPage(config);
    await restart();
    expect((await phone.answer(login.qrUrl, 'approve')).status).toBe('approved');
    const tokens = await redeem(config, await completeLogin(scanin, login), login.auth);
    expect(tokens.claims()!.sub).toBe(sub);
  });

  it('keeps the browser signed in across a restart: the next app login needs no QR code', async () => {
    const config = await discover(scanin.issuer);
    const login = await openLoginPage(config);
    await phone.answer(login.qrUrl, 'approve');
    await completeLogin(scanin, login);
    await restart();

    const again = await authorizationRequest(config);
    const { leftTo } = await login.browser.follow(again.url, scanin.issuer);
    expect(leftTo).toContain('code=');
    expect((await redeem(config, leftTo!, again)).claims()!.sub).toBe(sub);
  });
});
