// Entering the account page: a signed-out browser is sent through a real QR sign-in and comes
// back to /account; the code is used once (even sent twice at once), by the browser that started
// the sign-in.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Authenticator } from '../../src/authenticator/authenticator.ts';
import { TestBrowser } from '../helpers/browser.ts';
import { enrolledPhone } from '../helpers/login.ts';
import { startTestScanin, type TestScanin } from '../helpers/scanin.ts';
import { enterAccountPage, listed, openAccountSignIn } from './accountBrowser.ts';

describe('entering the account page', () => {
  let scanin: TestScanin;
  let phone: Authenticator;

  beforeAll(async () => {
    scanin = await startTestScanin();
    phone = await enrolledPhone(scanin, 'ada@example.com');
  });
  afterAll(async () => {
    await scanin?.close();
  });

  it('sends a signed-out browser to the QR sign-in, and back to the page once the phone approves', async () => {
    const { page } = await enterAccountPage(scanin, phone);
    expect(page.body).toContain('Your account');
    expect(page.body).toContain('ada@example.com');
    expect(page.headers['cache-control']).toBe('no-store');
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
    const [device] = await phone.list();
    expect(listed(page.body, 'data-device-id')).toEqual([device!.device_id]);
    expect(listed(page.body, 'data-session')).toHaveLength(1);
  });

  /** Signs in through the QR page and stops at the callback URL the engine sends the browser to. */
  async function callbackUrl(browser: TestBrowser): Promise<string> {
    const step = await openAccountSignIn(scanin, browser);
    await phone.answer(step.qrUrl, 'approve');
    let page = await browser.fetch(`${step.interactionUrl}/complete`);
    while (page.location && !page.location.includes('/account/callback')) page = await browser.fetch(page.location);
    if (!page.location) throw new Error(`no callback: ${page.status} ${page.body.slice(0, 200)}`);
    return page.location;
  }

  it('uses the code once, only in the browser that started the sign-in', async () => {
    const browser = new TestBrowser();
    const url = await callbackUrl(browser);
    // Another browser, even one that started a sign-in of its own (its own state), gets nothing.
    const other = new TestBrowser();
    expect((await other.fetch(url)).status).toBe(400);
    await openAccountSignIn(scanin, other);
    const otherState = /state=([^&]+)/.exec((await other.fetch(`${scanin.issuer}/account/login`)).location!)![1]!;
    expect((await other.fetch(url.replace(/state=[^&]+/, `state=${otherState}`))).status).toBe(400);
    // The browser that started it gets in, once.
    const done = await browser.fetch(url);
    expect(done.status).toBe(303);
    expect(done.location).toBe(`${scanin.issuer}/account`);
    const replay = await browser.fetch(url);
    expect(replay.status).toBe(400);
    expect(replay.body).toContain('Open your account page again');
    expect((await browser.fetch(`${scanin.issuer}/account`)).status).toBe(200);
  });

  it('refuses a callback whose state or code was changed, and says so on a page', async () => {
    const browser = new TestBrowser();
    const url = await callbackUrl(browser);
    const wrongState = await browser.fetch(url.replace(/state=[^&]+/, 'state=forged'));
    expect(wrongState.status).toBe(400);
    expect(wrongState.headers['content-type']).toContain('text/html');
    // The cookie went with the first try: even the right URL is now refused.
    expect((await browser.fetch(url)).status).toBe(400);
    // (That browser is signed in to Scanin all the same: its phone approved. A fresh one:)
    const fresh = new TestBrowser();
    const again = await callbackUrl(fresh);
    expect((await fresh.fetch(again.replace(/code=[^&]+/, 'code=forged'))).status).toBe(400);
    expect((await fresh.fetch(`${scanin.issuer}/account/callback?code=x`)).status).toBe(400);
  });

  it('comes back to the sub-page asked for, and only to pages under /account', async () => {
    const step = await openAccountSignIn(scanin, new TestBrowser(), '/account/login?return_to=https%3A%2F%2Fevil.example');
    await phone.answer(step.qrUrl, 'approve');
    let page = await step.browser.fetch(`${step.interactionUrl}/complete`);
    while (page.location && !page.location.endsWith('/account')) page = await step.browser.fetch(page.location);
    expect(page.location).toBe(`${scanin.issuer}/account`);
    const to = async (returnTo: string) => (await step.browser.fetch(`${scanin.issuer}/account/login?return_to=${encodeURIComponent(returnTo)}`)).location;
    expect(await to('//evil.example/account')).toBe(`${scanin.issuer}/account`);
    expect(await to('/account/../app')).toBe(`${scanin.issuer}/account`);
    expect(await to('/account/add-device')).toBe(`${scanin.issuer}/account/add-device`);
  });

  it('lets the same callback in once when it arrives twice at the same moment', async () => {
    for (let round = 0; round < 5; round++) {
      const browser = new TestBrowser();
      const url = await callbackUrl(browser);
      const statuses = (await Promise.all([browser.fetch(url), browser.fetch(url)])).map((answer) => answer.status).sort();
      expect(statuses).toEqual([303, 400]);
    }
  });
});

describe('entering the account page behind a TLS proxy', () => {
  let scanin: TestScanin;

  beforeAll(async () => {
    scanin = await startTestScanin({ env: { TRUST_PROXY: 'true', ISSUER: 'https://id.example.com' } });
  });
  afterAll(async () => {
    await scanin?.close();
  });

  it('marks the sign-in cookie Secure when the proxy says the browser used https, and not otherwise', async () => {
    const local = `http://127.0.0.1:${scanin.port}/account/login`;
    const viaTls = await new TestBrowser(undefined, { 'x-forwarded-proto': 'https' }).fetch(local);
    expect(viaTls.status).toBe(303);
    expect(viaTls.headers.location).toMatch(/^\/auth\?client_id=scanin-account&.*redirect_uri=https%3A%2F%2Fid\.example\.com%2Faccount%2Fcallback&/);
    const cookie = [viaTls.headers['set-cookie'] ?? []].flat().find((line) => line.startsWith('scanin_account_login='))!;
    expect(cookie).toMatch(/; path=\/account\/callback; /);
    expect(cookie).toMatch(/; secure; /i);
    expect(cookie).toMatch(/; httponly/i);
    expect(cookie).toMatch(/; samesite=lax/i);
    const plain = await new TestBrowser().fetch(local);
    const plainCookie = [plain.headers['set-cookie'] ?? []].flat().find((line) => line.startsWith('scanin_account_login='))!;
    expect(plainCookie).not.toMatch(/; secure/i);
  });
});

