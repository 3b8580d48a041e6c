// "Open it here": the sign-in page opened on the phone whose web app is enrolled, in one tab, with
// number matching on. The page with the number is behind the app, so the app says the number
// that page shows (read from the page with this browser's interaction cookie, as the page does),
// and once answered goes back to the page, which finishes by itself: no Back to press. A link to
// the same code that did not come from this tab's own sign-in page gets no number (SECURITY.md).
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, PHONE } from '../helpers/chromium.ts';
import { newInvite, startDeviceTestScanin, type DeviceTestScanin } from '../helpers/device.ts';
import { openLoginPage } from '../helpers/login.ts';
import { authorizationRequest, discover } from '../helpers/rp.ts';
import { RP_REDIRECT } from '../helpers/scanin.ts';
import { enrollmentUrl } from '../../src/protocol/urls.ts';
import type * as oidc from 'openid-client';

let scanin: DeviceTestScanin;
let config: oidc.Configuration;
let browser: Browser;
let phone: BrowserContext;
let page: Page;
const problems: string[] = [];

/** The number the server holds for a request: what the person reads on the sign-in page. */
async function rightNumber(rid: string): Promise<string> {
  const row = await scanin.services.db('login_requests').where({ rid }).first() as { match_number: string };
  return row.match_number;
}

/**
 * Where the tab ends: the app's callback. Polled, not awaited as a navigation: Chromium first
 * refuses the test app's port (9) and Playwright's route then answers the retry.
 */
async function landedAtApp(): Promise<URLSearchParams> {
  await expect.poll(() => page.url(), { timeout: 10_000 }).toMatch(new RegExp(`^${RP_REDIRECT}\\?`));
  return new URL(page.url()).searchParams;
}

/** The phone's tab starts a sign-in at the app and lands on the QR page. */
async function signInOnThePhone(): Promise<{ rid: string; qrUrl: string }> {
  // prompt=login: the phone's browser is signed in after the first test.
  await page.goto((await authorizationRequest(config, undefined, { prompt: 'login' })).url);
  await page.locator('#qr svg').waitFor();
  const qrUrl = (await page.locator('#qr-link').getAttribute('href'))!;
  return { rid: qrUrl.split('/').pop()!, qrUrl };
}

beforeAll(async () => {
  scanin = await startDeviceTestScanin({ NUMBER_MATCHING: 'true' });
  config = await discover(scanin.issuer);
  browser = await launchChromium();
  // The app's service worker is not what is tested here, and Playwright sees no routes past one.
  phone = await browser.newContext({ ...PHONE, serviceWorkers: 'block' });
  page = await phone.newPage();
  page.on('pageerror', (error) => problems.push(error.message));
  await phone.route(`${new URL(RP_REDIRECT).origin}/**`, (route) => route.fulfill({ status: 200, contentType: 'text/html', body: '<!doctype html><title>Test App</title>' }));
  const invite = await newInvite(scanin, 'alice@example.com');
  await page.goto(enrollmentUrl(scanin.issuer, invite.eid));
  await page.locator('#open-in-app').tap();
  await page.locator('#enroll').tap();
  await page.locator('#result-title').waitFor();
});

afterAll(async () => {
  await browser?.close();
  await scanin?.close();
});

describe('"Open it here" on the phone that signs in', () => {
  it('the app says the number the sign-in page behind it shows, and after the tap goes back to that page, which returns to the app', async () => {
    const { rid } = await signInOnThePhone();
    const before = await page.evaluate(() => history.length);
    await page.locator('#qr-link').tap();
    await page.locator('#request-client').waitFor();
    const number = await rightNumber(rid);
    await expect.poll(() => page.locator('#number-prompt').textContent()).toBe(`Your browser’s sign-in page, behind this one, shows ${number}. Tap ${number}.`);
    await page.locator(`button.number[data-number="${number}"]`).tap();
    // No Back pressed: the tab comes back to the sign-in page, and that one goes on to the app.
    expect((await landedAtApp()).get('code')).toBeTruthy();
    // The detour through the web app left no entry of its own: the sign-in page, then the app's page.
    expect(await page.evaluate(() => history.length)).toBe(before + 1);
  }, 60_000);

  it('a denial goes back to the sign-in page too, and the app gets access_denied', async () => {
    await signInOnThePhone();
    await page.locator('#qr-link').tap();
    await page.locator('#deny').tap();
    expect((await landedAtApp()).get('error')).toBe('access_denied');
  }, 60_000);

  it('the same code opened otherwise (scanned, pasted, a relayed link) gets no number', async () => {
    const { qrUrl } = await signInOnThePhone();
    await page.goto(qrUrl);
    await page.locator('#request-client').waitFor();
    await page.locator('button.number').first().waitFor();
    expect(await page.locator('#number-prompt').textContent()).toBe('Tap the number your browser shows.');
  }, 60_000);

  it('a mark naming another browser\'s sign-in page gets no number: the page needs that browser\'s interaction cookie', async () => {
    // Another browser's sign-in, its code scanned by this phone: its page would show the number.
    const other = await openLoginPage(config);
    await page.evaluate(({ rid, uid }) => sessionStorage.setItem('scanin-open-here', JSON.stringify({ rid, page: `/interaction/${uid}` })), { rid: other.rid, uid: other.uid });
    await page.goto(`${scanin.issuer}/app/#/open/${encodeURIComponent(other.qrUrl)}`);
    await page.locator('button.number').first().waitFor();
    // Its own browser does see the number now: only this phone, without that cookie, does not.
    // Polled: on a loaded machine (the whole suite in CI) the page may be read before the phone's read is visible to it.
    await expect.poll(() => other.browser.fetch(other.interactionUrl).then((answer) => /id="number">\d{2}</.test(answer.body)), { timeout: 10_000 }).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await page.locator('#number-prompt').textContent()).toBe('Tap the number your browser shows.');
  }, 60_000);

  it('had no page errors', () => {
    expect(problems).toEqual([]);
  });
});
