// A page waiting on the phone when the server goes away (stopped, restarted, the network gone):
// it says "Connection lost, retrying…" in a live region while its event stream is down, and
// stops saying it once it hears the server again. The server really stops here, and a new one
// starts on the same port and database, as a restart does.
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, openPageBeforeApp } from '../helpers/chromium.ts';
import { authorizationRequest, discover } from '../helpers/rp.ts';
import { freePort, RP_REDIRECT, startTestScanin, testDir, type TestScanin } from '../helpers/scanin.ts';

let browser: Browser;
let scanin: TestScanin;
const dir = testDir();
let port: number;

beforeAll(async () => {
  browser = await launchChromium();
  port = await freePort();
  scanin = await startTestScanin({ dir, env: { PORT: String(port) } });
});

afterAll(async () => {
  await browser?.close();
  await scanin?.close();
});

describe('the QR page while the server is away', () => {
  it('says the connection is lost while it cannot reach the server, and stops saying so once it can', async () => {
    const { page, context } = await openPageBeforeApp(browser, new URL(RP_REDIRECT).origin);
    await page.goto((await authorizationRequest(await discover(scanin.issuer))).url);
    await page.locator('#qr svg').waitFor();
    const lost = page.locator('#connection-lost');
    expect(await lost.getAttribute('aria-live')).toBe('polite');
    expect(await lost.textContent()).toBe('');

    await scanin.close();
    await expect.poll(() => lost.textContent(), { timeout: 15_000 }).toBe('Connection lost, retrying…');
    expect(await lost.isVisible()).toBe(true);

    scanin = await startTestScanin({ dir, env: { PORT: String(port) } });
    await expect.poll(() => lost.textContent(), { timeout: 15_000 }).toBe('');
    // Back to waiting for the phone, on the same sign-in.
    expect(await page.locator('#status').textContent()).toBe('Waiting for your phone…');
    await context.close();
  }, 60_000);
});
