// Apps hear of sign-outs made on the account page or with the CLI: an app with a back-channel
// logout URI gets a logout token, signed by Scanin, for the person and the ended browser's sid,
// when that browser is signed out, for every browser on "Sign out everywhere", for the browsers a
// revoked device signed in, and for those of an account an administrator disabled. An app that
// is down gets it again later.
import { createRemoteJWKSet, jwtVerify } from 'jose';
import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Authenticator } from '../../src/authenticator/authenticator.ts';
import { TestBrowser } from '../helpers/browser.ts';
import { completeLogin, enrolledPhone, inviteUrl, openLoginPage } from '../helpers/login.ts';
import { LogoutReceiver } from '../helpers/logoutReceiver.ts';
import { discover, redeem } from '../helpers/rp.ts';
import { RP_REDIRECT, startTestScanin, type TestScanin } from '../helpers/scanin.ts';
import { runCli } from '../helpers/cli.ts';
import { csrfOf, listed, post } from './accountBrowser.ts';

const SECRET = 'a-back-channel-app-secret-long-enough-0123456789';

describe('back-channel logout', () => {
  const receiver = new LogoutReceiver();
  let scanin: TestScanin;
  let config: oidc.Configuration;
  let phone: Authenticator;

  beforeAll(async () => {
    await receiver.start();
    scanin = await startTestScanin({
      env: { ALLOW_PRIVATE_CALLBACKS: 'true' },
      clients: [{
        client_id: 'web', client_name: 'Web App', first_party: true, client_secret: SECRET, redirect_uris: [RP_REDIRECT],
        backchannel_logout_uri: `${receiver.url}/backchannel`, backchannel_logout_session_required: true,
      }],
    });
    config = await discover(scanin.issuer, 'web', SECRET);
    phone = await enrolledPhone(scanin, 'ada@example.com');
  });
  afterAll(async () => {
    await scanin?.close();
    await receiver.close();
  });

  /** A browser signed in to the app: the sid and sub of its ID token. */
  async function appSignIn(browser = new TestBrowser()) {
    const login = await openLoginPage(config, browser);
    await phone.answer(login.qrUrl, 'approve');
    const claims = (await redeem(config, await completeLogin(scanin, login), login.auth)).claims()!;
    return { browser, sid: claims.sid as string, sub: claims.sub };
  }

  async function logoutTokens(): Promise<Array<{ sub: unknown; sid: unknown }>> {
    const jwks = createRemoteJWKSet(new URL(`${scanin.issuer}/jwks`));
    const tokens = receiver.tokens.splice(0);
    return Promise.all(tokens.map(async ({ token }) => {
      const { payload } = await jwtVerify(token, jwks, { issuer: scanin.issuer, audience: 'web', typ: 'logout+jwt' });
      expect(payload.events).toEqual({ 'http://schemas.openid.net/event/backchannel-logout': {} });
      return { sub: payload.sub, sid: payload.sid };
    }));
  }

  it('tells the app of one browser signed out, then of every browser', async () => {
    const here = await appSignIn();
    const there = await appSignIn();
    const page = (await here.browser.follow(`${scanin.issuer}/account`, scanin.issuer)).page;
    const otherSession = listed((await there.browser.follow(`${scanin.issuer}/account`, scanin.issuer)).page.body, 'data-session')[0]!;
    receiver.tokens.splice(0);

    expect((await post(scanin, here.browser, '/account/sessions/end', { session: otherSession }, csrfOf(page.body))).status).toBe(303);
    expect(await logoutTokens()).toEqual([{ sub: there.sub, sid: there.sid }]);

    expect((await post(scanin, here.browser, '/account/sessions/end-all', {}, csrfOf(page.body))).status).toBe(200);
    expect(await logoutTokens()).toEqual([{ sub: here.sub, sid: here.sid }]);
  });

  it('the logout page\'s "Sign out everywhere" signs out every browser of the account, each app told', async () => {
    const here = await appSignIn();
    const there = await appSignIn();
    receiver.tokens.splice(0);
    const signOut = async (browser: TestBrowser, everywhere: boolean) => {
      const ask = await browser.fetch(`${scanin.issuer}/session/end`);
      expect(ask.body).toContain('every browser signed in to your Scanin account is signed out');
      const xsrf = /name="xsrf" value="([^"]+)"/.exec(ask.body)![1]!;
      const confirmed = await browser.fetch(`${scanin.issuer}/session/end/confirm`, { method: 'POST', form: { xsrf, ...(everywhere ? { logout: 'yes' } : {}) } });
      expect(confirmed.status).toBe(303);
    };
    // openLoginPage throws when the engine skips the QR page (the browser is still signed in).
    const signedIn = (browser: TestBrowser) => openLoginPage(config, browser).then(() => false, () => true);
    await signOut(here.browser, true);
    const told = await logoutTokens();
    expect(told).toHaveLength(2);
    expect(told).toEqual(expect.arrayContaining([{ sub: here.sub, sid: here.sid }, { sub: there.sub, sid: there.sid }]));
    // Both browsers sign in again with the phone: the QR page, not straight back to the app.
    expect(await signedIn(here.browser)).toBe(false);
    expect(await signedIn(there.browser)).toBe(false);
    const ada = await scanin.services.db('accounts').where({ email: 'ada@example.com' }).first() as { id: string };
    expect(await scanin.services.db('oidc_payloads').where({ model: 'Session', account_id: ada.id })).toEqual([]);
  });

  it('tells the app of a device revoked with `scanin revoke` in another process, and of an account disabled with `scanin users disable`', async () => {
    const grace = await enrolledPhone(scanin, 'grace@example.com', 'grace.json');
    const signIn = async () => {
      const login = await openLoginPage(config, new TestBrowser());
      await grace.answer(login.qrUrl, 'approve');
      return (await redeem(config, await completeLogin(scanin, login), login.auth)).claims()!;
    };
    const revoked = await signIn();
    receiver.tokens.splice(0);
    expect((await runCli(scanin, 'revoke', (await grace.list())[0]!.device_id)).code).toBe(0);
    // The running server sends what the CLI queued: no engine runs in the CLI's process.
    await receiver.received(1);
    expect(await logoutTokens()).toEqual([{ sub: revoked.sub, sid: revoked.sid }]);
    expect(await scanin.services.db('pending_logouts')).toEqual([]);

    const other = await enrolledPhone(scanin, 'grace@example.com', 'grace-2.json');
    const login = await openLoginPage(config, new TestBrowser());
    await other.answer(login.qrUrl, 'approve');
    const disabled = (await redeem(config, await completeLogin(scanin, login), login.auth)).claims()!;
    expect((await runCli(scanin, 'users', 'disable', 'grace@example.com')).code).toBe(0);
    await receiver.received(1);
    expect(await logoutTokens()).toEqual([{ sub: disabled.sub, sid: disabled.sid }]);
  });

  it('tries again when the app is down, until it answers', async () => {
    const { browser, sid, sub } = await appSignIn();
    const page = (await browser.follow(`${scanin.issuer}/account`, scanin.issuer)).page;
    receiver.tokens.splice(0);
    receiver.refuse = 2;
    const refusedBefore = receiver.refused;
    expect((await post(scanin, browser, '/account/sessions/end-all', {}, csrfOf(page.body))).status).toBe(200);
    // Refused at once, then 2 s later; the third try (4 s after that) is taken.
    expect(receiver.refused - refusedBefore).toBe(1);
    expect(await scanin.services.db('pending_logouts').select('attempts')).toEqual([{ attempts: 1 }]);
    await receiver.received(1, 20_000);
    expect(receiver.refused - refusedBefore).toBe(2);
    expect(await logoutTokens()).toEqual([{ sub, sid }]);
    expect(await scanin.services.db('pending_logouts')).toEqual([]);
  });

  it('tells the app when a revoked device had signed a browser in', async () => {
    const spare = (await phone.enroll(await inviteUrl(scanin, 'ada@example.com'), { deviceName: 'Spare' })).device_id;
    const first = (await phone.list())[0]!.device_id;
    // A browser the spare device signed in to the app; another, the first device.
    const login = await openLoginPage(config, new TestBrowser());
    await phone.answer(login.qrUrl, 'approve', { deviceId: spare });
    const spareClaims = (await redeem(config, await completeLogin(scanin, login), login.auth)).claims()!;
    const other = await openLoginPage(config, new TestBrowser());
    await phone.answer(other.qrUrl, 'approve', { deviceId: first });
    await redeem(config, await completeLogin(scanin, other), other.auth);
    const page = (await other.browser.follow(`${scanin.issuer}/account`, scanin.issuer)).page;
    receiver.tokens.splice(0);
    expect((await post(scanin, other.browser, '/account/devices/revoke', { device_id: spare }, csrfOf(page.body))).status).toBe(303);
    expect(await logoutTokens()).toEqual([{ sub: spareClaims.sub, sid: spareClaims.sid }]);
  });
});

