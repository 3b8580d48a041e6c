// An issuer with a path (ISSUER=http://127.0.0.1:PORT/sso): every route of Scanin and of the
// engine lives under /sso, discovery advertises endpoints under it, the pages link under it, and
// anything outside it is Scanin's own 404. A whole login through openid-client and the reference
// authenticator proves the pieces fit.
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Authenticator } from '../../src/authenticator/authenticator.ts';
import { findLoginRequest } from '../../src/store/loginRequests.ts';
import { completeLogin, enrolledPhone, inviteUrl, openEvents, openLoginPage } from '../helpers/login.ts';
import { discover, redeem } from '../helpers/rp.ts';
import { freePort, RP_REDIRECT, startTestScanin, type TestScanin } from '../helpers/scanin.ts';

describe('an issuer with a path', () => {
  let scanin: TestScanin;
  let phone: Authenticator;
  let origin: string;

  beforeAll(async () => {
    const port = await freePort();
    origin = `http://127.0.0.1:${port}`;
    scanin = await startTestScanin({ env: { PORT: String(port), ISSUER: `${origin}/sso/` } });
    phone = await enrolledPhone(scanin, 'alice@example.com');
  });
  afterAll(async () => {
    await scanin?.close();
  });

  async function get(path: string, accept = 'application/json') {
    const response = await request(`${origin}${path}`, { headers: { accept } });
    return { status: response.statusCode, type: String(response.headers['content-type']), text: await response.body.text() };
  }

  it('serves discovery under the path, advertising every endpoint under the issuer', async () => {
    expect(scanin.issuer).toBe(`${origin}/sso`);
    const discovery = await get('/sso/.well-known/openid-configuration');
    expect(discovery.status).toBe(200);
    const metadata = JSON.parse(discovery.text) as Record<string, unknown>;
    expect(metadata.issuer).toBe(scanin.issuer);
    const endpoints = Object.entries(metadata).filter(([key]) => key.endsWith('_endpoint') || key === 'jwks_uri');
    expect(endpoints.map(([key]) => key)).toEqual(expect.arrayContaining(['authorization_endpoint', 'token_endpoint', 'userinfo_endpoint', 'jwks_uri']));
    for (const [key, url] of endpoints) expect(`${key} ${url}`).toMatch(new RegExp(`^${key} ${scanin.issuer}/`));
    expect((await get('/sso/jwks')).status).toBe(200);
  });

  it.each([
    '/.well-known/openid-configuration',
    '/device/v1/requests/AAAAAAAAAAAAAAAAAAAAAA',
    '/auth',
    '/jwks',
    '/assets/style.css',
    '/ssox/jwks',
  ])('answers %s, outside the path, with Scanin\'s 404', async (path) => {
    const json = await get(path);
    expect(json.status).toBe(404);
    expect(JSON.parse(json.text)).toMatchObject({ error: 'not_found' });
    if (path.startsWith('/device/')) return;
    const page = await get(path, 'text/html');
    expect(page.status).toBe(404);
    expect(page.type).toContain('text/html');
    expect(page.text).toContain('/sso/assets/style.css');
  });

  it('serves the device API, the scan pages and the assets under the path', async () => {
    expect(JSON.parse((await get('/sso/device/v1/requests/AAAAAAAAAAAAAAAAAAAAAA')).text)).toMatchObject({ error: 'not_found' });
    const invite = await inviteUrl(scanin, 'bob@example.com');
    expect(invite.startsWith(`${scanin.issuer}/e/`)).toBe(true);
    const eid = invite.slice(invite.lastIndexOf('/') + 1);
    const enrollment = await get(`/sso/device/v1/enrollments/${eid}`);
    expect(enrollment.status).toBe(200);
    expect(JSON.parse(enrollment.text)).toMatchObject({ eid, issuer: scanin.issuer });
    const page = await get(new URL(invite).pathname, 'text/html');
    expect(page.status).toBe(200);
    expect(page.text).toContain('<svg');
    expect((await get('/sso/q/AAAAAAAAAAAAAAAAAAAAAA', 'text/html')).status).toBe(200);
    expect((await get('/sso/assets/login.js', '*/*')).status).toBe(200);
  });

  it('logs in through openid-client and the reference authenticator, every URL under the path', async () => {
    const config = await discover(scanin.issuer);
    const login = await openLoginPage(config);
    expect(login.interactionUrl).toBe(`${scanin.issuer}/interaction/${login.uid}`);
    expect(login.qrUrl).toBe(`${scanin.issuer}/q/${login.rid}`);
    const page = await login.browser.fetch(login.interactionUrl);
    for (const link of ['/sso/assets/style.css', '/sso/assets/login.js', `/sso/interaction/${login.uid}/status`, `/sso/interaction/${login.uid}/events`, `/sso/interaction/${login.uid}/abort`]) {
      expect(page.body).toContain(link);
    }
    expect(page.body).toMatch(/Start again/);
    expect(page.body).toContain(`href="/sso/auth?`);

    const events = await openEvents(login);
    expect(events.status).toBe(200);
    expect((await phone.answer(login.qrUrl, 'approve')).status).toBe('approved');
    expect(await events.next()).toMatchObject({ type: 'scanned' });
    expect(await events.next()).toEqual({ type: 'approved', data: { complete_url: `/sso/interaction/${login.uid}/complete`, account: expect.any(String) } });
    events.close();

    const callback = await completeLogin(scanin, login);
    expect(callback.startsWith(`${RP_REDIRECT}?`)).toBe(true);
    const tokens = await redeem(config, callback, login.auth);
    expect(tokens.claims()!.iss).toBe(scanin.issuer);
    expect(tokens.claims()!.email).toBe('alice@example.com');
  });

  it('the phone reads a QR URL written in another case, and refuses one with an empty query before asking anything', async () => {
    const login = await openLoginPage(await discover(scanin.issuer));
    await expect(phone.fetchLoginRequest(`${login.qrUrl}?`)).rejects.toThrow(/not a Scanin URL/);
    await expect(phone.fetchLoginRequest(`${login.qrUrl}/`)).rejects.toThrow(/not a Scanin URL/);
    expect((await findLoginRequest(scanin.services.db, login.rid))!.status).toBe('pending');
    const shouted = login.qrUrl.replace('http://127.0.0.1', 'HTTP://127.0.0.1');
    expect((await phone.fetchLoginRequest(`  ${shouted}\n`)).rid).toBe(login.rid);
    expect((await findLoginRequest(scanin.services.db, login.rid))!.status).toBe('scanned');
  });

  it('cancels a sign-in under the path: the app gets access_denied', async () => {
    const login = await openLoginPage(await discover(scanin.issuer));
    const { leftTo } = await login.browser.follow(login.interactionUrl, scanin.issuer).then(async () => {
      const abort = await login.browser.fetch(`${login.interactionUrl}/abort`, { method: 'POST' });
      expect(abort.status).toBe(303);
      return login.browser.follow(abort.location!, scanin.issuer);
    });
    expect(new URL(leftTo!).searchParams.get('error')).toBe('access_denied');
  });
});
