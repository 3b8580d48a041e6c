// Signed-in browsers on the account page: listed with when, which device approved and which
// apps; "Sign out" ends one (with the grants it handed out), "Sign out everywhere" ends all of
// them, this browser included. Another person's sessions cannot be touched.
import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Authenticator } from '../../src/authenticator/authenticator.ts';
import { listAudit } from '../../src/audit/audit.ts';
import { listAccountSessions } from '../../src/oidc/sessions.ts';
import { findAccountByEmail } from '../../src/store/accounts.ts';
import { TestBrowser } from '../helpers/browser.ts';
import { completeLogin, enrolledPhone, openLoginPage } from '../helpers/login.ts';
import { discover, redeem } from '../helpers/rp.ts';
import { startTestScanin, type TestScanin } from '../helpers/scanin.ts';
import { csrfOf, enterAccountPage, listed, post } from './accountBrowser.ts';

describe('signed-in browsers on the account page', () => {
  let scanin: TestScanin;
  let config: oidc.Configuration;
  let ada: Authenticator;
  let bob: Authenticator;

  beforeAll(async () => {
    scanin = await startTestScanin();
    config = await discover(scanin.issuer);
    ada = await enrolledPhone(scanin, 'ada@example.com', 'ada.json');
    bob = await enrolledPhone(scanin, 'bob@example.com', 'bob.json');
  });
  afterAll(async () => {
    await scanin?.close();
  });

  const accountId = async (email: string) => (await findAccountByEmail(scanin.services.db, email))!.id;
  const sessionsOf = async (email: string) => (await listAccountSessions(scanin.services.db, await accountId(email), scanin.services.clock())).map((s) => s.uid);
  const userinfo = async (token: string) => (await fetch(`${scanin.issuer}/me`, { headers: { authorization: `Bearer ${token}` } })).status;

  /** A browser signed in to the test app (first-party): its access token. */
  async function appSignIn(phone: Authenticator, browser = new TestBrowser()) {
    const login = await openLoginPage(config, browser);
    await phone.answer(login.qrUrl, 'approve');
    const tokens = await redeem(config, await completeLogin(scanin, login), login.auth);
    return { browser, access: tokens.access_token };
  }

  const signedOut = async (browser: TestBrowser) => {
    const page = await browser.fetch(`${scanin.issuer}/account`);
    return page.status === 303 && page.location!.includes('/account/login');
  };

  it('lists this browser first, with the device that approved it and the apps it signed in to', async () => {
    const app = await appSignIn(ada);
    const opened = await app.browser.follow(`${scanin.issuer}/account`, scanin.issuer);
    const html = opened.page.body;
    const uids = listed(html, 'data-session');
    expect(uids.length).toBeGreaterThanOrEqual(1);
    const first = html.slice(html.indexOf(`data-session="${uids[0]}"`));
    const block = first.slice(0, first.indexOf('</li>'));
    expect(block).toMatch(/This browser[\s\S]*you are here[\s\S]*Test Phone[\s\S]*Test App/);
    // The test browser says it is a Linux one; it connects from the loopback address.
    expect(block).toContain('data-field="browser">Linux<');
    expect(block).toContain('data-field="ip">127.0.0.1 <span class="muted">(Local network)</span><');
    expect(first).toContain('Sign out this browser');
  });

  it('signs out another browser: its session and the tokens its apps got end, this browser stays', async () => {
    const other = await appSignIn(ada);
    const { browser, page } = await enterAccountPage(scanin, ada);
    const otherPage = await other.browser.follow(`${scanin.issuer}/account`, scanin.issuer);
    const otherCurrent = listed(otherPage.page.body, 'data-session')[0]!;
    expect(listed(page.body, 'data-session')).toContain(otherCurrent);
    expect(listed(page.body, 'data-session')[0]).not.toBe(otherCurrent);
    const answer = await post(scanin, browser, '/account/sessions/end', { session: otherCurrent }, csrfOf(page.body));
    expect(answer.status).toBe(303);
    expect(answer.location).toBe(`${scanin.issuer}/account?done=session_ended#sessions`);
    expect(await sessionsOf('ada@example.com')).not.toContain(otherCurrent);
    expect(await signedOut(other.browser)).toBe(true);
    expect(await userinfo(other.access)).toBe(401);
    expect(await signedOut(browser)).toBe(false);
    const entry = (await listAudit(scanin.services.db, {})).find((e) => e.event === 'session.ended');
    expect(entry).toMatchObject({ detail: { by: 'account', session: otherCurrent } });
  });

  it("refuses another person's session and an unknown one, and changes nothing", async () => {
    const bobs = await appSignIn(bob);
    const bobSessions = await sessionsOf('bob@example.com');
    const { browser, page } = await enterAccountPage(scanin, ada);
    for (const uid of [...bobSessions, 'no-such-session']) {
      const answer = await post(scanin, browser, '/account/sessions/end', { session: uid }, csrfOf(page.body));
      expect(answer.status).toBe(404);
    }
    expect(await sessionsOf('bob@example.com')).toEqual(bobSessions);
    expect(await userinfo(bobs.access)).toBe(200);
  });

  it('signs out this browser', async () => {
    const { browser, page } = await enterAccountPage(scanin, ada);
    const current = listed(page.body, 'data-session')[0]!;
    const answer = await post(scanin, browser, '/account/sessions/end', { session: current }, csrfOf(page.body));
    expect(answer.status).toBe(200);
    expect(answer.body).toContain('You signed out this browser.');
    expect(await signedOut(browser)).toBe(true);
  });

  it('signs out everywhere: every browser of the person, this one too, and every app token; not anyone else', async () => {
    const first = await appSignIn(ada);
    const second = await appSignIn(ada);
    const bobs = await appSignIn(bob);
    const { browser, page } = await enterAccountPage(scanin, ada);
    const answer = await post(scanin, browser, '/account/sessions/end-all', {}, csrfOf(page.body));
    expect(answer.status).toBe(200);
    expect(answer.body).toContain('You signed out everywhere');
    expect(await sessionsOf('ada@example.com')).toEqual([]);
    for (const signedIn of [browser, first.browser, second.browser]) expect(await signedOut(signedIn)).toBe(true);
    expect(await userinfo(first.access)).toBe(401);
    expect(await userinfo(second.access)).toBe(401);
    expect(await userinfo(bobs.access)).toBe(200);
    expect(await signedOut(bobs.browser)).toBe(false);
    const entry = (await listAudit(scanin.services.db, {})).find((e) => e.event === 'session.ended_everywhere');
    expect(entry).toMatchObject({ account_id: await accountId('ada@example.com'), detail: { by: 'account' } });
    expect(entry!.detail!.sessions).toBeGreaterThanOrEqual(3);
  });
});
