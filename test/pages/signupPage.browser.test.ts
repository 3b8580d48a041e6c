// Sign-up by QR in a real browser (headless Chromium): the sign-in page's link, the form, the
// enrollment QR code read from a screenshot (as a phone's camera would), the reference
// authenticator enrolling from it, the page going on by itself under the strict CSP to the
// account's recovery codes, and from there to the app. The relying party's redirect_uri is
// answered by the browser itself.
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Authenticator } from '../../src/authenticator/authenticator.ts';
import { launchChromium, openPageBeforeApp } from '../helpers/chromium.ts';
import { decodeScreenshot } from '../helpers/qrImages.ts';
import { authorizationRequest, discover, redeem } from '../helpers/rp.ts';
import { RP_REDIRECT, startTestScanin, type TestScanin } from '../helpers/scanin.ts';

const RP_ORIGIN = new URL(RP_REDIRECT).origin;

describe('sign-up by QR in Chromium', () => {
  let browser: Browser;
  let scanin: TestScanin;

  beforeAll(async () => {
    browser = await launchChromium();
    scanin = await startTestScanin({ env: { SIGNUP: 'open' } });
  });
  afterAll(async () => {
    await browser?.close();
    await scanin?.close();
  });

  it('link → form → the QR decoded from a screenshot is the enrollment URL → the phone enrolls → back at the app with tokens', async () => {
    const config = await discover(scanin.issuer);
    const { context, page, problems, callback } = await openPageBeforeApp(browser, RP_ORIGIN);

    const auth = await authorizationRequest(config);
    await page.goto(auth.url);
    await page.locator('#signup-link').click();
    await page.locator('input[name=email]').fill('chromium@example.com');
    await page.locator('input[name=name]').fill('Chromium Person');
    await page.locator('button[type=submit]').click();
    await page.locator('#qr svg').waitFor();

    const shown = await decodeScreenshot(page, await page.locator('#qr').screenshot());
    expect(shown).toMatch(new RegExp(`^${scanin.issuer}/e/[A-Za-z0-9_-]+$`));
    expect(await page.locator('#qr-link').getAttribute('href')).toBe(shown);

    await new Authenticator({ keysFile: join(scanin.dir, 'chromium-phone.json') }).enroll(shown, { deviceName: 'Chromium Phone' });
    // The new account's recovery codes, shown once (test/recovery), then on to the app.
    await page.locator('#recovery-codes').waitFor();
    expect(await page.locator('#recovery-codes li').count()).toBe(10);
    await page.locator('#continue').click();
    const url = await callback;
    const tokens = await redeem(config, url, auth);
    expect(tokens.claims()!.email).toBe('chromium@example.com');
    expect(problems).toEqual([]);
    await context.close();
  });
});
