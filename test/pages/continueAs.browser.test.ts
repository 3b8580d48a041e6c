// "Continue as Ann" in a real browser (headless Chromium): after a sign-in, the browser keeps an
// httpOnly, SameSite=Lax cookie its scripts cannot read; once its session is gone, the next
// sign-in page names the account, the other account's phone (the reference authenticator,
// following the choice rule) will not answer, and "Use another account" — a form post under
// the page's CSP — lets it. The relying party's /callback is answered by the browser itself.
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Authenticator } from '../../src/authenticator/authenticator.ts';
import { launchChromium } from '../helpers/chromium.ts';
import { watchedAppPage } from '../helpers/appPage.ts';
import { enrolledPhone } from '../helpers/login.ts';
import { authorizationRequest, discover, redeem } from '../helpers/rp.ts';
import { startTestScanin, type TestScanin } from '../helpers/scanin.ts';
import type * as oidc from 'openid-client';

let browser: Browser;
let scanin: TestScanin;
let config: oidc.Configuration;
let ann: Authenticator;
let mallory: Authenticator;

beforeAll(async () => {
  browser = await launchChromium();
  scanin = await startTestScanin();
  config = await discover(scanin.issuer);
  ann = await enrolledPhone(scanin, 'ann@example.com', 'ann.json');
  mallory = await enrolledPhone(scanin, 'mallory@example.com', 'mallory.json');
});

afterAll(async () => {
  await browser?.close();
  await scanin?.close();
});

/** Starts a sign-in in `page`; returns its authorization and the QR code's URL. */
async function startSignIn(page: Page) {
  const auth = await authorizationRequest(config);
  expect((await page.goto(auth.url))!.status()).toBe(200);
  await page.locator('#qr svg').waitFor();
  return { auth, qrUrl: (await page.locator('#qr-link').getAttribute('href'))! };
}

/** The page goes on to the app by itself once the phone approved; returns the sub signed in. */
async function arrivedAs(page: Page, callbacks: string[], auth: Awaited<ReturnType<typeof startSignIn>>['auth']): Promise<string | undefined> {
  const before = callbacks.length;
  await expect.poll(() => callbacks.length, { timeout: 10_000 }).toBeGreaterThan(before);
  await page.locator('#app').waitFor();
  const tokens = await redeem(config, callbacks.at(-1)!, auth);
  return tokens.claims()!.email as string | undefined;
}

describe('a returning browser in Chromium', () => {
  it('says "Continue as", keeps the other phone out, and lets it in after "Use another account"', async () => {
    const context = await browser.newContext({ viewport: { width: 900, height: 900 } });
    const { page, problems, callbacks } = await watchedAppPage(context);

    const first = await startSignIn(page);

    expect(await page.locator('#continue-as').count()).toBe(0);
    await ann.answer(first.qrUrl, 'approve');
    expect(await arrivedAs(page, callbacks, first.auth)).toBe('ann@example.com');

    const remembered = (await context.cookies()).filter((cookie) => cookie.name === 'scanin_account');
    expect(remembered).toEqual([expect.objectContaining({ httpOnly: true, sameSite: 'Lax', path: '/', secure: false })]);
    expect(remembered[0]!.expires * 1000 - Date.now()).toBeGreaterThan(179 * 86400_000);
    // The session ends (as after its 14 days); the memory stays.
    await context.clearCookies();
    await context.addCookies(remembered);

    const second = await startSignIn(page);
    expect(await page.locator('#continue-as .lead').textContent()).toBe('Continue as Test Person (ann@example.com)');
    expect(await page.evaluate(() => document.cookie)).not.toContain('scanin_account');
    await expect(mallory.answer(second.qrUrl, 'approve')).rejects.toThrow(/for another account.*Use another account/);

    await Promise.all([page.waitForNavigation(), page.locator('#another-account-button').click()]);
    await page.locator('#qr svg').waitFor();
    expect(await page.locator('#continue-as').count()).toBe(0);
    // The same code, now open to any account.
    expect(await page.locator('#qr-link').getAttribute('href')).toBe(second.qrUrl);
    await mallory.answer(second.qrUrl, 'approve');
    expect(await arrivedAs(page, callbacks, second.auth)).toBe('mallory@example.com');
    expect(problems).toEqual([]);
    await context.close();
  });

  it('hides "Continue as" once the sign-in has expired', async () => {
    const context = await browser.newContext({ viewport: { width: 900, height: 900 } });
    const { page, callbacks } = await watchedAppPage(context);
    const first = await startSignIn(page);
    await ann.answer(first.qrUrl, 'approve');
    await arrivedAs(page, callbacks, first.auth);
    const remembered = (await context.cookies()).filter((cookie) => cookie.name === 'scanin_account');
    await context.clearCookies();
    await context.addCookies(remembered);
    // The page's event stream must be open before the connections are cut below: one still being
    // made would carry the cookies, open after the cut and leave the page waiting.
    const streamOpen = page.waitForResponse((response) => new URL(response.url()).pathname.endsWith('/events'));
    await startSignIn(page);
    await streamOpen;
    expect(await page.locator('#continue-as').isVisible()).toBe(true);
    // The interaction is gone for this browser (as after its expiry): the page reads the state.
    await context.clearCookies();
    scanin.server.closeAllConnections();
    await expect.poll(() => page.locator('#status').textContent(), { timeout: 20_000 }).toBe('This sign-in has expired.');
    expect(await page.locator('#continue-as').isVisible()).toBe(false);
    await context.close();
  });
});
