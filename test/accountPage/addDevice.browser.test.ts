// Adding a device in a real browser (headless Chromium): Joe signs in to his account page by QR,
// presses "Add a device", the code is read from a screenshot (as the new device's camera would)
// and is the enrollment URL; the reference authenticator enrolls from it; the page, listening on
// its event stream under the strict CSP, turns by itself into "Joe's iPad — is this yours?";
// Confirm makes the device active. And the web authenticator as the new device: after enrolling
// it says to confirm in the browser, and learns by itself (its status call) once that is done.
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Authenticator } from '../../src/authenticator/authenticator.ts';
import { findDevice } from '../../src/store/devices.ts';
import { launchChromium, PHONE } from '../helpers/chromium.ts';
import { enrolledPhone } from '../helpers/login.ts';
import { decodeScreenshot } from '../helpers/qrImages.ts';
import { startTestScanin, type TestScanin } from '../helpers/scanin.ts';

describe('adding a device in Chromium', () => {
  let browser: Browser;
  let scanin: TestScanin;
  let joe: Authenticator;

  beforeAll(async () => {
    browser = await launchChromium();
    scanin = await startTestScanin();
    joe = await enrolledPhone(scanin, 'joe@example.com', 'joe.json');
  });
  afterAll(async () => {
    await browser?.close();
    await scanin?.close();
  });

  it('account page → "Add a device" → the QR from a screenshot is the enrollment URL → the iPad enrolls → "is this yours?" appears by itself → Confirm', async () => {
    const context = await browser.newContext({ viewport: { width: 900, height: 1000 } });
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('console', (message) => {
      // Scanin serves no /favicon.ico, which Chromium asks for on its own: not the page's doing.
      if (message.type() === 'error' && !message.location().url.endsWith('/favicon.ico')) problems.push(`${message.text()} ${message.location().url}`);
    });
    page.on('pageerror', (error) => problems.push(error.message));

    // Signing in to the account page: its QR login, approved by Joe's phone.
    await page.goto(`${scanin.issuer}/account`);
    const loginUrl = await page.locator('#qr-link').getAttribute('href');
    await joe.answer(loginUrl!, 'approve');
    await page.waitForURL(`${scanin.issuer}/account`);

    await page.locator('#add-device-start button').click();
    await page.waitForURL(`${scanin.issuer}/account/add-device`);
    await page.locator('#qr svg').waitFor();
    const shown = await decodeScreenshot(page, await page.locator('#qr').screenshot());
    expect(shown).toMatch(new RegExp(`^${scanin.issuer}/e/[A-Za-z0-9_-]{22}$`));
    expect(await page.locator('#qr-link').getAttribute('href')).toBe(shown);

    const ipad = new Authenticator({ keysFile: join(scanin.dir, 'ipad.json') });
    const { device_id, status } = await ipad.enroll(shown, { deviceName: "Joe's iPad" });
    expect(status).toBe('pending_confirmation');
    await page.locator('#question').waitFor();
    expect(await page.locator('#question').textContent()).toBe("Joe's iPad — is this yours?");
    expect(await page.locator('#key-type').textContent()).toBe('ECDSA P-256 (ES256)');

    await page.locator('#confirm button').click();
    await page.locator('#outcome').waitFor();
    expect(await page.locator('#outcome').textContent()).toBe("Joe's iPad is confirmed: it can sign you in now.");
    expect((await findDevice(scanin.services.db, device_id))!.status).toBe('active');
    expect(await ipad.deviceStatus(scanin.issuer)).toMatchObject({ status: 'active' });
    expect(problems).toEqual([]);
    await context.close();
  });

  it('the web authenticator added this way says "confirm in the browser", then by itself that it is enrolled once the page confirms', async () => {
    const desktop = await browser.newContext({ viewport: { width: 900, height: 1000 } });
    const page = await desktop.newPage();
    await page.goto(`${scanin.issuer}/account`);
    await joe.answer((await page.locator('#qr-link').getAttribute('href'))!, 'approve');
    await page.waitForURL(`${scanin.issuer}/account`);
    await page.locator('#add-device-start button').click();
    const url = (await page.locator('#qr-link').getAttribute('href'))!;

    const phone = await browser.newContext(PHONE);
    const app = await phone.newPage();
    await app.goto(`${scanin.issuer}/app/#/open/${encodeURIComponent(url)}`);
    await app.locator('#device-name').fill('Web Phone');
    await app.locator('#enroll').tap();
    await app.locator('#confirm-hint').waitFor();
    expect(await app.locator('#confirm-hint').textContent()).toContain('Confirm this device in the browser that showed the QR code');

    await page.locator('#question').waitFor();
    expect(await page.locator('#question').textContent()).toBe('Web Phone — is this yours?');
    await page.locator('#confirm button').click();
    await app.locator('#result-title').waitFor();
    expect(await app.locator('#result-title').textContent()).toBe('This phone is enrolled');
    await phone.close();
    await desktop.close();
  });
});
