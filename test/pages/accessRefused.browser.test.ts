// The refusal of an app's access rules in a real browser (headless Chromium): the QR page goes on
// by itself once the phone of someone outside the app's allowed_groups approved, lands on a page
// that says so and names who is signed in, with no CSP violation or script error; its link, reached
// from the keyboard, takes the browser back to the app with access_denied. The web app on the
// person's phone says "No access" rather than "Approved". The relying party's /callback is
// answered by the browser itself.
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Authenticator } from '../../src/authenticator/authenticator.ts';
import { launchChromium, PHONE } from '../helpers/chromium.ts';
import { enrollInWebApp } from '../helpers/webApp.ts';
import { openLoginPage } from '../helpers/login.ts';
import { watchedAppPage } from '../helpers/appPage.ts';
import { enrolledPhone } from '../helpers/login.ts';
import { authorizationRequest, discover } from '../helpers/rp.ts';
import { RP_REDIRECT, startTestScanin, TEST_CLIENTS, type TestScanin } from '../helpers/scanin.ts';

let browser: Browser;
let scanin: TestScanin;
let outsider: Authenticator;

beforeAll(async () => {
  browser = await launchChromium();
  scanin = await startTestScanin({
    clients: [...TEST_CLIENTS, { client_id: 'wiki', client_name: 'Team Wiki', first_party: true, token_endpoint_auth_method: 'none', redirect_uris: [RP_REDIRECT], allowed_groups: ['staff'] }],
  });
  outsider = await enrolledPhone(scanin, 'otto@example.com');
});

afterAll(async () => {
  await browser?.close();
  await scanin?.close();
});

describe('a sign-in the access rules refuse, in Chromium', () => {
  it('shows the refusal after the phone approved, and its link takes the keyboard back to the app with access_denied', async () => {
    const context = await browser.newContext();
    const { page, problems, callbacks } = await watchedAppPage(context, 'Team Wiki');

    const auth = await authorizationRequest(await discover(scanin.issuer, 'wiki'));
    await page.goto(auth.url);
    await page.locator('#qr svg').waitFor();
    await outsider.answer((await page.locator('#qr-link').getAttribute('href'))!, 'approve');

    await page.getByRole('heading', { name: "You don't have access to Team Wiki" }).waitFor({ timeout: 10_000 });
    expect(await page.title()).toBe('No access to Team Wiki · Scanin');
    expect(await page.locator('main, body').first().innerText()).toContain('ask your administrator');
    expect(await page.locator('body').innerText()).toContain('otto@example.com');

    // The link has the focus: Enter follows it. The next Tab reaches "Sign in with another account".
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('back-to-app');
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('another-account');
    await page.keyboard.press('Shift+Tab');
    await page.keyboard.press('Enter');
    await page.locator('#app').waitFor();
    const callback = new URL(callbacks.at(-1)!);
    expect(callback.searchParams.get('error')).toBe('access_denied');
    expect(callback.searchParams.get('state')).toBe(auth.state);
    // Chromium reports the refusal's own 403 as a console error; nothing else may appear.
    expect(problems.filter((problem) => !problem.includes('status of 403'))).toEqual([]);
    await context.close();
  });

  it('shows the QR code again, for any account, when the person chooses "Sign in with another account"', async () => {
    const context = await browser.newContext();
    const { page, problems } = await watchedAppPage(context, 'Team Wiki');
    await page.goto((await authorizationRequest(await discover(scanin.issuer, 'wiki'))).url);
    await page.locator('#qr svg').waitFor();
    await outsider.answer((await page.locator('#qr-link').getAttribute('href'))!, 'approve');
    await page.getByRole('button', { name: 'Sign in with another account' }).click({ timeout: 10_000 });
    await page.locator('#qr svg').waitFor();
    expect(await page.locator('body').innerText()).not.toContain('Continue as');
    expect(problems.filter((problem) => !problem.includes('status of 403'))).toEqual([]);
    await context.close();
  });

  it('tells the web app on the phone that the person has no access, not that the sign-in was approved', async () => {
    const phone = await (await browser.newContext(PHONE)).newPage();
    await enrollInWebApp(phone, scanin, 'olga@example.com');
    const login = await openLoginPage(await discover(scanin.issuer, 'wiki'));
    await phone.goto(login.qrUrl);
    await phone.locator('#approve').tap();
    await phone.locator('#result-title').waitFor();
    expect(await phone.locator('#result-title').textContent()).toBe('No access');
    expect(await phone.locator('main').innerText()).toContain("You don't have access to Team Wiki — ask your administrator.");
    await phone.context().close();
  }, 90_000);
});
