// The apps a person let in: listed with what they can see; "Remove access" deletes the grants
// with their access tokens, refresh tokens and codes (userinfo and introspection refuse them at
// once, a refresh fails) and the remembered consent (the app must ask again). Another person's
// access to the same app is left alone.
import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Authenticator } from '../../src/authenticator/authenticator.ts';
import { listAudit } from '../../src/audit/audit.ts';
import { TestBrowser } from '../helpers/browser.ts';
import { enrolledPhone, openLoginPage } from '../helpers/login.ts';
import { authorizationRequest, discover, redeem } from '../helpers/rp.ts';
import { RP_REDIRECT, startTestScanin, TEST_CLIENTS, type TestScanin } from '../helpers/scanin.ts';
import { csrfOf, enterAccountPage, listed, post } from './accountBrowser.ts';

// A third-party app (it asks for consent) that gets refresh tokens and may introspect them.
const OFFLINE_CLIENT = 'offline-third-party';
const OFFLINE_SECRET = 'a-third-party-secret-that-is-long-enough-0123456789';
const OFFLINE_APP = { client_id: OFFLINE_CLIENT, client_name: 'Offline App', client_secret: OFFLINE_SECRET, grant_types: ['authorization_code', 'refresh_token'], redirect_uris: [RP_REDIRECT] };

describe('apps on the account page', () => {
  let scanin: TestScanin;
  let config: oidc.Configuration;
  let ada: Authenticator;
  let bob: Authenticator;

  beforeAll(async () => {
    scanin = await startTestScanin({ clients: [...TEST_CLIENTS, OFFLINE_APP] });
    config = await discover(scanin.issuer, OFFLINE_CLIENT, OFFLINE_SECRET);
    ada = await enrolledPhone(scanin, 'ada@example.com', 'ada.json');
    bob = await enrolledPhone(scanin, 'bob@example.com', 'bob.json');
  });
  afterAll(async () => {
    await scanin?.close();
  });

  /** The browser signs in to the app (consenting) and the app gets access and refresh tokens. */
  async function appSignIn(phone: Authenticator, browser = new TestBrowser()) {
    const login = await openLoginPage(config, browser, { scope: 'openid email offline_access', prompt: 'consent' });
    await phone.answer(login.qrUrl, 'approve');
    const consent = await browser.follow(`${login.interactionUrl}/complete`, scanin.issuer);
    expect(consent.page.body).toContain('wants to know who you are');
    const confirmed = await browser.fetch(`${consent.page.url}/confirm`, { method: 'POST' });
    const { leftTo } = await browser.follow(confirmed.location!, scanin.issuer);
    const tokens = await redeem(config, leftTo!, login.auth);
    return { browser, tokens: { access: tokens.access_token, refresh: tokens.refresh_token! } };
  }

  const userinfo = async (token: string) => (await fetch(`${scanin.issuer}/me`, { headers: { authorization: `Bearer ${token}` } })).status;
  const active = async (token: string) => (await oidc.tokenIntrospection(config, token)).active;
  const refresh = (token: string) => oidc.refreshTokenGrant(config, token).then(() => 'refreshed', (error: { error?: string }) => error.error);

  it('lists the apps the person let in, not the account page itself, and removes one at once', async () => {
    const { browser, tokens } = await appSignIn(ada);
    const bobs = await appSignIn(bob);
    // The same browser opens the account page: it is signed in to Scanin already, so no QR code.
    const opened = await browser.follow(`${scanin.issuer}/account`, scanin.issuer);
    expect(opened.page.status).toBe(200);
    expect(listed(opened.page.body, 'data-client-id')).toEqual([OFFLINE_CLIENT]);
    expect(opened.page.body).toContain('Offline App');
    expect(opened.page.body).toContain('your email address');
    expect(opened.page.body).toContain('data-field="access">signed in<');
    expect(opened.page.body).not.toContain('data-client-id="scanin-account"');

    const answer = await post(scanin, browser, '/account/apps/revoke', { client_id: OFFLINE_CLIENT }, csrfOf(opened.page.body));
    expect(answer.status).toBe(303);
    expect(answer.location).toBe(`${scanin.issuer}/account?done=app_revoked#apps`);
    expect(await userinfo(tokens.access)).toBe(401);
    expect(await active(tokens.access)).toBe(false);
    expect(await active(tokens.refresh)).toBe(false);
    expect(await refresh(tokens.refresh)).toBe('invalid_grant');
    const after = await browser.fetch(answer.location!);
    expect(listed(after.body, 'data-client-id')).toEqual([]);
    expect(after.body).toContain('The app no longer has access');
    // Bob's access to the same app is his own and untouched.
    expect(await userinfo(bobs.tokens.access)).toBe(200);
    expect(await refresh(bobs.tokens.refresh)).toBe('refreshed');
    const entry = (await listAudit(scanin.services.db, {})).find((e) => e.event === 'app.revoked');
    expect(entry).toMatchObject({ client_id: OFFLINE_CLIENT, detail: { by: 'account' } });

    // The app must ask again: the browser is still signed in (no QR code), and consent is shown.
    const again = await browser.follow((await authorizationRequest(config, 'openid email')).url, scanin.issuer);
    expect(again.leftTo).toBeUndefined();
    expect(again.page.body).toContain('wants to know who you are');
  });

  it("refuses to remove an app the person never let in, or another person's, and changes nothing", async () => {
    const bobs = await appSignIn(bob);
    const { browser, page } = await enterAccountPage(scanin, ada);
    const csrf = csrfOf(page.body);
    for (const clientId of [OFFLINE_CLIENT, 'test-public', 'no-such-app', 'scanin-account']) {
      const answer = await post(scanin, browser, '/account/apps/revoke', { client_id: clientId }, csrf);
      expect(answer.status, clientId).toBe(404);
      expect(answer.body).toContain('Nothing was changed');
    }
    expect(await userinfo(bobs.tokens.access)).toBe(200);
    expect(await refresh(bobs.tokens.refresh)).toBe('refreshed');
  });
});
