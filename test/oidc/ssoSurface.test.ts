// The standard OIDC surface as relying parties use it through openid-client: the claims
// parameter, acr/amr, SSO across clients, prompt=none, max_age, prompt=login, RP-initiated
// logout with back-channel and front-channel logout, refresh token rotation, introspection,
// revocation, client credentials and PKCE rules.
import { createRemoteJWKSet, jwtVerify } from 'jose';
import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Authenticator } from '../../src/authenticator/authenticator.ts';
import { listAudit } from '../../src/audit/audit.ts';
import { ACR_DEVICE, ACR_DEVICE_VERIFIED } from '../../src/oidc/authContext.ts';
import { TestBrowser, readLoginPage } from '../helpers/browser.ts';
import { completeLogin, enrolledPhone, openLoginPage } from '../helpers/login.ts';
import { LogoutReceiver } from '../helpers/logoutReceiver.ts';
import { discover } from '../helpers/rp.ts';
import { freePort, RP_REDIRECT, startTestScanin, testDir, testEnv, type TestScanin } from '../helpers/scanin.ts';
import { loadConfig } from '../../src/config/env.ts';
import { startScanin } from '../../src/server.ts';

const SECRET = 'web-app-secret-that-is-long-enough-0123456789';
const WIKI_SECRET = 'wiki-secret-that-is-long-enough-0123456789abc';
const SERVICE_SECRET = 'service-secret-that-is-long-enough-0123456789';
const LEGACY_SECRET = 'legacy-secret-that-is-long-enough-0123456789a';
const AFTER_LOGOUT = 'http://127.0.0.1:9/signed-out';

function clients(receiver: LogoutReceiver) {
  return [
    {
      client_id: 'web', client_name: 'Web App', first_party: true, client_secret: SECRET, redirect_uris: [RP_REDIRECT],
      grant_types: ['authorization_code', 'refresh_token'], post_logout_redirect_uris: [AFTER_LOGOUT],
      backchannel_logout_uri: `${receiver.url}/web/backchannel`, backchannel_logout_session_required: true,
    },
    {
      client_id: 'wiki', client_name: 'Team Wiki', first_party: true, client_secret: WIKI_SECRET, redirect_uris: [RP_REDIRECT],
      backchannel_logout_uri: `${receiver.url}/wiki/backchannel`,
      frontchannel_logout_uri: 'http://127.0.0.1:9/wiki/frontchannel', frontchannel_logout_session_required: true,
    },
    { client_id: 'spa', client_name: 'Single Page App', first_party: true, token_endpoint_auth_method: 'none', redirect_uris: [RP_REDIRECT] },
    { client_id: 'service', client_name: 'Billing Service', client_secret: SERVICE_SECRET, grant_types: ['client_credentials'], scope: 'billing' },
    { client_id: 'legacy', client_name: 'Legacy Portal', first_party: true, client_secret: LEGACY_SECRET, redirect_uris: [RP_REDIRECT], require_pkce: false },
  ];
}

type Login = { callback: string; verifier: string; nonce: string; state: string };

describe('the OIDC surface for organizations', () => {
  const receiver = new LogoutReceiver();
  let scanin: TestScanin;
  let phone: Authenticator;
  let web: oidc.Configuration;
  let wiki: oidc.Configuration;
  let spa: oidc.Configuration;

  beforeAll(async () => {
    await receiver.start();
    scanin = await startTestScanin({ clients: clients(receiver), env: { ALLOW_PRIVATE_CALLBACKS: 'true' } });
    phone = await enrolledPhone(scanin, 'erin@example.com', 'erin.json');
    [web, wiki, spa] = await Promise.all([discover(scanin.issuer, 'web', SECRET), discover(scanin.issuer, 'wiki', WIKI_SECRET), discover(scanin.issuer, 'spa')]);
  });
  afterAll(async () => {
    await scanin?.close();
    await receiver.close();
  });

  /** Sends the browser to /auth with `params` (plus PKCE, nonce, state) and follows Scanin's redirects. */
  async function authorize(config: oidc.Configuration, browser: TestBrowser, params: Record<string, string> = {}) {
    const verifier = oidc.randomPKCECodeVerifier();
    const nonce = oidc.randomNonce();
    const state = oidc.randomState();
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: RP_REDIRECT, scope: 'openid email profile', nonce, state,
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256',
      ...params,
    });
    const { page, leftTo } = await browser.follow(url.href, scanin.issuer);
    return { page, leftTo, verifier, nonce, state };
  }

  /** A login that needs the phone: the QR page, the approval, back to the app. */
  async function signIn(config: oidc.Configuration, browser: TestBrowser, params: Record<string, string> = {}, userVerified = false): Promise<Login> {
    const start = await authorize(config, browser, params);
    expect(start.leftTo, 'expected the QR page, not a redirect back').toBeUndefined();
    const { qrUrl } = readLoginPage(start.page.body);
    const request = await phone.fetchLoginRequest(qrUrl);
    await phone.answerRequest(request, 'approve', { userVerified });
    const { leftTo } = await browser.follow(`${start.page.url}/complete`, scanin.issuer);
    expect(leftTo).toContain('code=');
    return { callback: leftTo!, verifier: start.verifier, nonce: start.nonce, state: start.state };
  }

  function redeem(config: oidc.Configuration, login: Login) {
    return oidc.authorizationCodeGrant(config, new URL(login.callback), {
      pkceCodeVerifier: login.verifier, expectedNonce: login.nonce, expectedState: login.state, idTokenExpected: true,
    });
  }

  it('publishes the surface in discovery', async () => {
    const discovery = web.serverMetadata();
    expect(discovery.claims_parameter_supported).toBe(true);
    expect(discovery.acr_values_supported).toEqual([ACR_DEVICE, ACR_DEVICE_VERIFIED]);
    expect(discovery.grant_types_supported).toEqual(expect.arrayContaining(['authorization_code', 'refresh_token', 'client_credentials']));
    expect(discovery.introspection_endpoint).toBe(`${scanin.issuer}/token/introspection`);
    expect(discovery.revocation_endpoint).toBe(`${scanin.issuer}/token/revocation`);
    expect(discovery.end_session_endpoint).toBe(`${scanin.issuer}/session/end`);
    expect(discovery.backchannel_logout_supported).toBe(true);
    expect(discovery.backchannel_logout_session_supported).toBe(true);
    expect(discovery.frontchannel_logout_supported).toBe(true);
  });

  it('answers a claims request: name from userinfo and email in the ID token, with only the openid scope', async () => {
    const claims = JSON.stringify({ userinfo: { name: { essential: true } }, id_token: { email: { essential: true } } });
    const tokens = await redeem(spa, await signIn(spa, new TestBrowser(), { scope: 'openid', claims }));
    expect(tokens.claims()!.email).toBe('erin@example.com');
    expect(tokens.claims()!.name).toBeUndefined();
    const userinfo = await oidc.fetchUserInfo(spa, tokens.access_token, tokens.claims()!.sub, { execute: [oidc.allowInsecureRequests] } as never);
    expect(userinfo).toEqual({ sub: tokens.claims()!.sub, name: 'Test Person' });
  });

  it('says how the person signed in: acr and amr, without and with verification on the phone', async () => {
    const plain = (await redeem(spa, await signIn(spa, new TestBrowser(), { acr_values: ACR_DEVICE }))).claims()!;
    expect({ acr: plain.acr, amr: plain.amr }).toEqual({ acr: ACR_DEVICE, amr: ['pop'] });
    const verified = (await redeem(spa, await signIn(spa, new TestBrowser(), { acr_values: ACR_DEVICE_VERIFIED }, true))).claims()!;
    expect({ acr: verified.acr, amr: verified.amr }).toEqual({ acr: ACR_DEVICE_VERIFIED, amr: ['pop', 'mfa'] });
  });

  it('refuses a phone answer without verification when the app requires it (essential acr), and signs in with the verified answer to the same QR code', async () => {
    const browser = new TestBrowser();
    const claims = JSON.stringify({ id_token: { acr: { essential: true, value: ACR_DEVICE_VERIFIED } } });
    const start = await authorize(spa, browser, { claims });
    const request = await phone.fetchLoginRequest(readLoginPage(start.page.body).qrUrl);
    expect(request.user_verification).toBe('required');
    await expect(phone.answerRequest(request, 'approve')).rejects.toMatchObject({ status: 403, error: 'user_verification_required' });
    await phone.answerRequest(request, 'approve', { userVerified: true });
    const { leftTo } = await browser.follow(`${start.page.url}/complete`, scanin.issuer);
    const tokens = await redeem(spa, { callback: leftTo!, verifier: start.verifier, nonce: start.nonce, state: start.state });
    expect(tokens.claims()!.acr).toBe(ACR_DEVICE_VERIFIED);
  });

  it('signs in to a second client with the same scan (SSO), answers prompt=none, and asks again for prompt=login and max_age=0', async () => {
    const browser = new TestBrowser();
    const first = (await redeem(web, await signIn(web, browser))).claims()!;

    const sso = await authorize(wiki, browser);
    expect(sso.leftTo, 'SSO: no QR page for the second app').toContain('code=');
    const second = (await redeem(wiki, { callback: sso.leftTo!, verifier: sso.verifier, nonce: sso.nonce, state: sso.state })).claims()!;
    expect(second.sub).toBe(first.sub);
    expect(second.auth_time).toBe(first.auth_time);

    const silent = await authorize(spa, browser, { prompt: 'none' });
    expect(silent.leftTo).toContain('code=');

    const stranger = await authorize(spa, new TestBrowser(), { prompt: 'none' });
    expect(new URL(stranger.leftTo!).searchParams.get('error')).toBe('login_required');

    for (const params of [{ prompt: 'login' }, { max_age: '0' }] as Array<Record<string, string>>) {
      const forced = await authorize(spa, browser, params);
      expect(forced.leftTo, JSON.stringify(params)).toBeUndefined();
      expect(readLoginPage(forced.page.body).rid).toBeTruthy();
    }
  });

  it('logs out of every app: Scanin asks on its own page, then back-channel and front-channel logout reach the apps', async () => {
    const browser = new TestBrowser();
    const webTokens = await redeem(web, await signIn(web, browser));
    const sso = await authorize(wiki, browser);
    const wikiTokens = await redeem(wiki, { callback: sso.leftTo!, verifier: sso.verifier, nonce: sso.nonce, state: sso.state });
    receiver.tokens.length = 0;

    const endSession = oidc.buildEndSessionUrl(web, { id_token_hint: webTokens.id_token!, post_logout_redirect_uri: AFTER_LOGOUT, state: 'bye' });
    const ask = await browser.fetch(endSession.href);
    expect(ask.status).toBe(200);
    expect(ask.body).toContain('Sign out of Scanin?');
    expect(ask.body).toContain('Web App asked to sign you out.');
    expect(ask.body).not.toMatch(/<script(?![^>]*\ssrc=)|<style|\sstyle=|\son\w+=|https?:\/\/(?!127\.0\.0\.1)/);

    const action = /<form method="post" action="([^"]+)">/.exec(ask.body)![1]!;
    const xsrf = /name="xsrf" value="([^"]+)"/.exec(ask.body)![1]!;
    const confirm = await browser.fetch(action, { method: 'POST', form: { xsrf, logout: 'yes' } });

    // wiki registered a front-channel logout URI: a page loads it in a frame, then goes on.
    expect(confirm.status).toBe(200);
    const frame = /<iframe[^>]* src="([^"]+)"/.exec(confirm.body)![1]!.replace(/&amp;/g, '&');
    const frameUrl = new URL(frame);
    expect(frameUrl.origin + frameUrl.pathname).toBe('http://127.0.0.1:9/wiki/frontchannel');
    expect(frameUrl.searchParams.get('iss')).toBe(scanin.issuer);
    expect(frameUrl.searchParams.get('sid')).toBe(wikiTokens.claims()!.sid);
    const next = new URL(/id="logout-next" href="([^"]+)"/.exec(confirm.body)![1]!.replace(/&amp;/g, '&'));
    expect(next.origin + next.pathname).toBe(AFTER_LOGOUT);
    expect(next.searchParams.get('state')).toBe('bye');
    expect(confirm.body).toContain('<script src="/assets/logout.js" defer></script>');

    // Both apps got a logout token on their back channel, signed by Scanin, for this person: for
    // this browser, and ("everywhere") for the person's browsers of the tests before.
    const jwks = createRemoteJWKSet(new URL(`${scanin.issuer}/jwks`));
    expect(new Set(receiver.tokens.map((entry) => entry.path))).toEqual(new Set(['/web/backchannel', '/wiki/backchannel']));
    const sids: unknown[] = [];
    for (const { path, token } of receiver.tokens) {
      const audience = path.startsWith('/web') ? 'web' : 'wiki';
      const { payload, protectedHeader } = await jwtVerify(token, jwks, { issuer: scanin.issuer, audience, typ: 'logout+jwt' });
      expect(protectedHeader.alg).toBe('RS256');
      expect(payload.sub).toBe(webTokens.claims()!.sub);
      expect(payload.events).toEqual({ 'http://schemas.openid.net/event/backchannel-logout': {} });
      expect(payload.nonce).toBeUndefined();
      expect(typeof payload.jti).toBe('string');
      if (audience === 'web') sids.push(payload.sid);
    }
    expect(sids).toContain(webTokens.claims()!.sid);
    // A token for one app does not verify for the other.
    const webToken = receiver.tokens.find((entry) => entry.path.startsWith('/web'))!.token;
    await expect(jwtVerify(webToken, jwks, { issuer: scanin.issuer, audience: 'wiki' })).rejects.toThrow();

    // The session is over for both apps, and their refresh-less access tokens with it.
    for (const config of [web, wiki, spa]) {
      const silent = await authorize(config, browser, { prompt: 'none' });
      expect(new URL(silent.leftTo!).searchParams.get('error')).toBe('login_required');
    }
    const introspected = await oidc.tokenIntrospection(web, webTokens.access_token);
    expect(introspected.active).toBe(false);

    // The audit trail has the sign-out, from the app that asked, everywhere.
    const audit = await listAudit(scanin.services.db, { accountId: webTokens.claims()!.sub });
    expect(audit.filter((entry) => entry.event === 'logout')).toEqual([expect.objectContaining({ client_id: 'web', detail: { everywhere: true } })]);
  });

  it('logs out without a page to return to: the signed-out page is Scanin’s own', async () => {
    const browser = new TestBrowser();
    await redeem(spa, await signIn(spa, browser));
    const ask = await browser.fetch(`${scanin.issuer}/session/end`);
    const xsrf = /name="xsrf" value="([^"]+)"/.exec(ask.body)![1]!;
    const confirm = await browser.fetch(`${scanin.issuer}/session/end/confirm`, { method: 'POST', form: { xsrf, logout: 'yes' } });
    expect(confirm.status).toBe(303);
    const done = await browser.fetch(confirm.location!);
    expect(done.status).toBe(200);
    expect(done.body).toContain('You are signed out');
    expect(done.body).toContain('<link rel="stylesheet" href="/assets/style.css">');
    expect(done.body).not.toMatch(/<script|<style|\sstyle=|https?:\/\//);
  });

  it('rotates refresh tokens (offline_access): each is good once, and a replay revokes the grant', async () => {
    const browser = new TestBrowser();
    const start = await authorize(web, browser, { scope: 'openid offline_access', prompt: 'consent' });
    const { qrUrl } = readLoginPage(start.page.body);
    await phone.answer(qrUrl, 'approve');
    const consent = await browser.follow(`${start.page.url}/complete`, scanin.issuer);
    expect(consent.page.body).toContain('wants to know who you are');
    const confirmed = await browser.fetch(`${consent.page.url}/confirm`, { method: 'POST' });
    const { leftTo } = await browser.follow(confirmed.location!, scanin.issuer);
    const tokens = await redeem(web, { callback: leftTo!, verifier: start.verifier, nonce: start.nonce, state: start.state });
    expect(tokens.refresh_token).toBeTruthy();

    const refreshed = await oidc.refreshTokenGrant(web, tokens.refresh_token!);
    expect(refreshed.refresh_token).toBeTruthy();
    expect(refreshed.refresh_token).not.toBe(tokens.refresh_token);
    expect(refreshed.claims()!.sub).toBe(tokens.claims()!.sub);

    await expect(oidc.refreshTokenGrant(web, tokens.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
    // The replay ended the whole grant: the newest refresh token is dead too.
    await expect(oidc.refreshTokenGrant(web, refreshed.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
  });

  it('introspects and revokes tokens for confidential clients, and tells a public client nothing', async () => {
    const tokens = await redeem(web, await signIn(web, new TestBrowser()));
    const active = await oidc.tokenIntrospection(web, tokens.access_token);
    expect(active).toMatchObject({ active: true, client_id: 'web', sub: tokens.claims()!.sub, token_type: 'Bearer' });

    const asPublic = await fetch(`${scanin.issuer}/token/introspection`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ client_id: 'spa', token: tokens.access_token }),
    });
    expect(await asPublic.json()).toEqual({ active: false });

    const wrongSecret = await fetch(`${scanin.issuer}/token/introspection`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`web:${SECRET}x`).toString('base64')}` },
      body: new URLSearchParams({ token: tokens.access_token }),
    });
    expect(wrongSecret.status).toBe(401);

    await oidc.tokenRevocation(web, tokens.access_token);
    expect((await oidc.tokenIntrospection(web, tokens.access_token)).active).toBe(false);
    const userinfo = await fetch(`${scanin.issuer}/me`, { headers: { authorization: `Bearer ${tokens.access_token}` } });
    expect(userinfo.status).toBe(401);
  });

  it('gives a service a token by client credentials, limited to its registered scope', async () => {
    const service = await discover(scanin.issuer, 'service', SERVICE_SECRET);
    const tokens = await oidc.clientCredentialsGrant(service, { scope: 'billing' });
    expect(tokens.access_token).toBeTruthy();
    expect(tokens.scope).toBe('billing');
    expect(await oidc.tokenIntrospection(web, tokens.access_token)).toMatchObject({ active: true, client_id: 'service', scope: 'billing' });
    // A scope it was not registered for is not granted.
    expect((await oidc.clientCredentialsGrant(service, { scope: 'payroll' })).scope).toBeUndefined();
    // A client registered for people only cannot use the grant.
    await expect(oidc.clientCredentialsGrant(web, {})).rejects.toMatchObject({ error_description: 'requested grant type is not allowed for this client' });
  });

  it('requires PKCE from a confidential client unless it opted out in clients.json', async () => {
    const withoutPkce = (config: oidc.Configuration) =>
      oidc.buildAuthorizationUrl(config, { redirect_uri: RP_REDIRECT, scope: 'openid email', state: oidc.randomState() }).href;
    const refused = await new TestBrowser().fetch(withoutPkce(web));
    expect(new URL(refused.location!).searchParams.get('error_description')).toContain('PKCE');

    const legacy = await discover(scanin.issuer, 'legacy', LEGACY_SECRET);
    const browser = new TestBrowser();
    const page = await browser.follow(withoutPkce(legacy), scanin.issuer);
    expect(page.leftTo).toBeUndefined();
    await phone.answer(readLoginPage(page.page.body).qrUrl, 'approve');
    const { leftTo } = await browser.follow(`${page.page.url}/complete`, scanin.issuer);
    const state = new URL(leftTo!).searchParams.get('state')!;
    const tokens = await oidc.authorizationCodeGrant(legacy, new URL(leftTo!), { expectedState: state, idTokenExpected: true });
    expect(tokens.claims()!.email).toBe('erin@example.com');
  });

  it('refuses a clients.json where a public client turns PKCE off, naming the client and the field', async () => {
    const dir = testDir();
    const bad = [{ client_id: 'careless-spa', token_endpoint_auth_method: 'none', redirect_uris: [RP_REDIRECT], require_pkce: false }];
    await expect(startScanin(loadConfig(testEnv(dir, {}, bad)))).rejects.toThrow(/client "careless-spa": field "require_pkce": .*public client must use PKCE/);
  });
});

describe('logout under an issuer with a path', () => {
  let scanin: TestScanin;

  beforeAll(async () => {
    const port = await freePort();
    scanin = await startTestScanin({ env: { PORT: String(port), ISSUER: `http://127.0.0.1:${port}/sso` } });
  });
  afterAll(async () => {
    await scanin?.close();
  });

  it('links every form and asset under the path, and signs out', async () => {
    const phone = await enrolledPhone(scanin, 'gil@example.com', 'gil.json');
    const browser = new TestBrowser();
    const login = await openLoginPage(await discover(scanin.issuer), browser);
    await phone.answer(login.qrUrl, 'approve');
    await completeLogin(scanin, login);

    const ask = await browser.fetch(`${scanin.issuer}/session/end`);
    expect(ask.body).toContain('<link rel="stylesheet" href="/sso/assets/style.css">');
    const action = /<form method="post" action="([^"]+)">/.exec(ask.body)![1]!;
    expect(action).toBe(`${scanin.issuer}/session/end/confirm`);
    const xsrf = /name="xsrf" value="([^"]+)"/.exec(ask.body)![1]!;
    const confirm = await browser.fetch(action, { method: 'POST', form: { xsrf, logout: 'yes' } });
    const done = await browser.fetch(confirm.location!);
    expect(done.body).toContain('You are signed out');
    expect(done.body).toContain('<link rel="stylesheet" href="/sso/assets/style.css">');
    const again = await openLoginPage(await discover(scanin.issuer), browser);
    expect(again.rid).toBeTruthy();
  });
});
