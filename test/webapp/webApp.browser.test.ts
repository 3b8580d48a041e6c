// The web authenticator at {issuer}/app/ in headless Chromium, as people use it: a desktop
// browser signs in to a relying party and shows a QR code; a phone (mobile viewport, touch)
// enrolls through the app from an invite, reads the desktop's QR code — decoded from a
// screenshot, never from the HTML — and approves, denies, picks a wrong number, or is too late.
// A second Chromium with a fake camera fed a video of a QR code exercises the scanner, and the
// phone, cut off from the network, still opens the app to its accounts.
// With SCANIN_SCREENSHOTS=<folder>, each screen is saved there at phone size (docs/images/).
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, PHONE as PHONE_CONTEXT } from '../helpers/chromium.ts';
import { newInvite, startDeviceTestScanin, type DeviceTestScanin } from '../helpers/device.ts';
import { decodeScreenshot, writeQrVideo } from '../helpers/qrImages.ts';
import { authorizationRequest, discover, redeem, type Authorization } from '../helpers/rp.ts';
import { RP_REDIRECT, testDir } from '../helpers/scanin.ts';
import { enrollmentUrl } from '../../src/protocol/urls.ts';
import type * as oidc from 'openid-client';

/** Screenshots at twice the pixels, as a phone's screen has them. */
const PHONE = { ...PHONE_CONTEXT, deviceScaleFactor: 2 };
const SHOTS = process.env.SCANIN_SCREENSHOTS;
/**
 * Where the desktop and the phone are, as a trusted proxy (TRUST_PROXY=127.0.0.1) tells the
 * server: one office network in Germany (heise.de's address; the shipped database places it).
 */
const OFFICE_IP = '193.99.144.80';

let scanin: DeviceTestScanin;
let config: oidc.Configuration;
let browser: Browser;
let phone: BrowserContext;
let app: Page;
const problems: string[] = [];

async function shot(page: Page, name: string): Promise<void> {
  if (SHOTS) await page.screenshot({ path: join(SHOTS, `app-${name}.png`), fullPage: true });
}

/** Console errors and CSP violations of a page: the app must have none. */
function watch(page: Page): Page {
  page.on('console', (message) => {
    if (message.type() === 'error' && !/Failed to load resource/.test(message.text())) problems.push(`console: ${message.text()}`);
  });
  page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`));
  return page;
}

type DesktopLogin = { page: Page; auth: Authorization; callback: Promise<string>; qrUrl: string; close(): Promise<void> };

/**
 * A desktop browser (a fresh one each time: nobody is signed in yet) starts signing in to the
 * relying party and stops at the QR code, whose URL is read off a screenshot.
 */
async function desktopLogin(server: DeviceTestScanin = scanin, rp: oidc.Configuration = config, loginHint?: string, ip = OFFICE_IP): Promise<DesktopLogin> {
  const desktop = await browser.newContext({ viewport: { width: 1000, height: 800 }, extraHTTPHeaders: { 'x-forwarded-for': ip } });
  const page = watch(await desktop.newPage());
  let reached: (url: string) => void;
  const callback = new Promise<string>((resolve) => (reached = resolve));
  await page.route(`${new URL(RP_REDIRECT).origin}/**`, async (route) => {
    reached(route.request().url());
    await route.fulfill({ status: 200, contentType: 'text/html', body: '<!doctype html><title>Test App</title><p id="rp">Back at the app.</p>' });
  });
  const auth = await authorizationRequest(rp);
  await page.goto(loginHint === undefined ? auth.url : `${auth.url}&login_hint=${encodeURIComponent(loginHint)}`);
  await page.locator('#qr svg').waitFor();
  // The container, not the svg: the page's script may swap the svg for a fresh one meanwhile.
  const qrUrl = await decodeScreenshot(page, await page.locator('#qr').screenshot());
  expect(qrUrl).toMatch(new RegExp(`^${server.issuer}/q/[A-Za-z0-9_-]{22,}$`));
  return { page, auth, callback, qrUrl, close: () => desktop.close() };
}

/** The phone opens a link through the app's paste field, as a desktop tester would. */
async function paste(url: string): Promise<void> {
  await app.goto(`${scanin.issuer}/app/#/`);
  await app.locator('#paste-link').fill(url);
  await app.getByRole('button', { name: 'Open link' }).click();
}

async function resultTitle(): Promise<string> {
  await app.locator('#result-title').waitFor();
  return (await app.locator('#result-title').textContent())!;
}

async function callbackParams(login: DesktopLogin): Promise<URLSearchParams> {
  return new URL(await login.callback).searchParams;
}

beforeAll(async () => {
  scanin = await startDeviceTestScanin({ NUMBER_MATCHING: 'true', TRUST_PROXY: '127.0.0.1' });
  config = await discover(scanin.issuer);
  browser = await launchChromium();
  phone = await browser.newContext({ ...PHONE, extraHTTPHeaders: { 'x-forwarded-for': OFFICE_IP } });
  app = watch(await phone.newPage());
});

afterAll(async () => {
  await browser?.close();
  await scanin?.close();
});

describe('the web authenticator at /app/', () => {
  it('is served with a strict CSP (no inline script or style), a manifest and a service worker; the issuer\'s page links to it', async () => {
    await app.goto(`${scanin.issuer}/`);
    expect(await app.locator('#web-app').getAttribute('href')).toBe('/app/');
    const response = await app.goto(`${scanin.issuer}/app`);
    expect(app.url()).toBe(`${scanin.issuer}/app/`);
    const csp = response!.headers()['content-security-policy']!;
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("style-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).toContain("frame-ancestors 'none'");
    await app.locator('#no-accounts').waitFor();
    await shot(app, 'empty');
    const manifest = await (await app.request.get(`${scanin.issuer}/app/manifest.webmanifest`)).json() as { icons: Array<{ sizes: string }>; start_url: string };
    expect(manifest.start_url).toBe('./');
    expect(manifest.icons.map((icon) => icon.sizes)).toEqual(expect.arrayContaining(['192x192', '512x512']));
    expect(await app.evaluate(async () => (await navigator.serviceWorker.ready).scope)).toBe(`${scanin.issuer}/app/`);
  });

  it('enrolls the phone from an invite link: the /e/ page leads into the app, which shows whose account it binds', async () => {
    const invite = await newInvite(scanin, 'alice@example.com');
    await app.goto(enrollmentUrl(scanin.issuer, invite.eid));
    await app.locator('#open-in-app').tap();
    await app.locator('#enroll-account').waitFor();
    expect(await app.locator('#enroll-account').textContent()).toBe('Test Person (alice@example.com)');
    expect(await app.locator('#device-name').inputValue()).toBe('Chrome on Android (web app)');
    await shot(app, 'enroll');
    await app.locator('#device-name').fill('Alice’s phone');
    await app.locator('#enroll').tap();
    expect(await resultTitle()).toBe('This phone is enrolled');
    await shot(app, 'enrolled');
    const devices = await scanin.services.db('devices').where({ account_id: invite.account_id });
    expect(devices).toHaveLength(1);
    expect(devices[0]).toMatchObject({ name: 'Alice’s phone', status: 'active' });
    // The key was made non-extractable in this browser: the server got only the public part.
    expect(JSON.parse(devices[0].public_jwk as string)).not.toHaveProperty('d');
    await app.locator('#back').tap();
    await app.locator('.account').first().waitFor();
    expect(await app.locator('.account-email').allTextContents()).toEqual(['alice@example.com']);
  });

  it('approves a desktop login: shows app, browser, IP, place, age and the three numbers; the desktop ends signed in', async () => {
    const login = await desktopLogin();
    await paste(login.qrUrl);
    await app.locator('#request-client').waitFor();
    expect(await app.locator('#request-client').textContent()).toBe('Test App (test-public)');
    expect(await app.locator('#request-browser').textContent()).toBe('Chrome on Linux');
    expect(await app.locator('#request-ip').textContent()).toBe(OFFICE_IP);
    expect(await app.locator('#request-place').textContent()).toBe('Germany');
    expect(await app.locator('#request-age').textContent()).toMatch(/^(just now|\d{1,2} s ago)$/);
    // The phone is on the office network too: no warning.
    expect(await app.locator('#other-network').count()).toBe(0);
    // Deny is there, as large as the numbers that approve.
    const deny = (await app.locator('#deny').boundingBox())!;
    expect(deny.height).toBeGreaterThanOrEqual(44);
    const numbers = await app.locator('button.number').allTextContents();
    expect(numbers).toHaveLength(3);
    await login.page.locator('#number-box:not(.hidden)').waitFor();
    const shown = (await login.page.locator('#number').textContent())!;
    expect(numbers).toContain(shown);
    await shot(app, 'approve');
    // 320 px wide: nothing scrolls sideways, and every control is a 44 px target at least.
    await app.setViewportSize({ width: 320, height: 640 });
    expect(await app.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(320);
    const heights = await app.locator('button, a.button, .brand').evaluateAll((elements) => elements.map((element) => element.getBoundingClientRect().height));
    expect(Math.min(...heights)).toBeGreaterThanOrEqual(44);
    await app.setViewportSize(PHONE.viewport);
    if (SHOTS) {
      await app.emulateMedia({ colorScheme: 'dark' });
      await shot(app, 'approve-dark');
      await app.emulateMedia({ colorScheme: 'light' });
    }
    await app.locator(`button.number[data-number="${shown}"]`).tap();
    expect(await resultTitle()).toBe('Approved');
    await shot(app, 'approved');
    const params = await callbackParams(login);
    expect(params.get('code')).toBeTruthy();
    const claims = (await redeem(config, await login.callback, login.auth)).claims()!;
    expect(claims).toMatchObject({ email: 'alice@example.com', amr: ['pop'] });
    await login.close();
  });

  it('a sign-in started on another network is shown with a warning, where that browser is, before the buttons', async () => {
    const login = await desktopLogin(scanin, config, undefined, '8.8.8.8');
    await paste(login.qrUrl);
    await app.locator('#other-network').waitFor();
    expect(await app.locator('#request-place').textContent()).toBe('United States');
    expect(await app.locator('#other-network').textContent()).toContain('another network (8.8.8.8)');
    expect(await app.locator('#other-network').getAttribute('role')).toBe('alert');
    // Before the decision, in reading order.
    expect(await app.locator('#other-network ~ .numbers-block #deny').count()).toBe(1);
    await shot(app, 'approve-warning');
    await app.locator('#deny').tap();
    expect(await resultTitle()).toBe('Denied');
    await login.close();
  });

  it("counts the request's age from created_at on the server's clock, whatever the phone's clock says", async () => {
    for (const skew of [45, -45]) {
      const skewed = await browser.newContext({ ...PHONE, extraHTTPHeaders: { 'x-forwarded-for': OFFICE_IP } });
      try {
        // The phone's clock is 45 s off (less than the 60 s a signature may be off, so it still reads).
        await skewed.addInitScript((ms: number) => {
          const realNow = Date.now.bind(Date);
          Date.now = () => realNow() + ms;
        }, skew * 1000);
        const page = watch(await skewed.newPage());
        // Its own key: IndexedDB belongs to the context.
        const invite = await newInvite(scanin, `skew${skew > 0 ? 'ahead' : 'behind'}@example.com`);
        await page.goto(`${scanin.issuer}/app/#/open/${encodeURIComponent(enrollmentUrl(scanin.issuer, invite.eid))}`);
        await page.locator('#enroll').tap();
        await page.locator('#result-title').waitFor();
        const login = await desktopLogin();
        const rid = login.qrUrl.split('/').pop()!;
        // Made 40 s ago (the request's own life is long enough here).
        const now = scanin.services.clock();
        await scanin.services.db('login_requests').where({ rid }).update({ created_at: now - 40, expires_at: now + 120 });
        await page.goto(`${scanin.issuer}/app/#/open/${encodeURIComponent(login.qrUrl)}`);
        await page.locator('#request-age').waitFor();
        const age = Number(/^(\d+) s ago$/.exec((await page.locator('#request-age').textContent())!)?.[1]);
        // 40 s, plus the second or two the read took; the phone's own clock would say 85 or "just now".
        expect(age).toBeGreaterThanOrEqual(40);
        expect(age).toBeLessThan(45);
        await page.locator('#deny').tap();
        await page.locator('#result-title').waitFor();
        await login.close();
      } finally {
        await skewed.close();
      }
    }
  }, 90_000);

  it('a denial on the phone ends the desktop login with access_denied', async () => {
    const login = await desktopLogin();
    await paste(login.qrUrl);
    await app.locator('#deny').tap();
    expect(await resultTitle()).toBe('Denied');
    expect((await callbackParams(login)).get('error')).toBe('access_denied');
    await login.close();
  });

  it('a wrong number refuses the sign-in, and the phone says so', async () => {
    const login = await desktopLogin();
    await paste(login.qrUrl);
    await login.page.locator('#number-box:not(.hidden)').waitFor();
    const shown = (await login.page.locator('#number').textContent())!;
    const wrong = (await app.locator('button.number').allTextContents()).find((number) => number !== shown)!;
    await app.locator(`button.number[data-number="${wrong}"]`).tap();
    expect(await resultTitle()).toBe('Wrong number: sign-in refused');
    await shot(app, 'wrong-number');
    expect((await callbackParams(login)).get('error')).toBe('access_denied');
    await login.close();
  });

  it('an answer after the code expired gets a clear message, and an answered code another', async () => {
    const login = await desktopLogin();
    const rid = login.qrUrl.split('/').pop()!;
    await paste(login.qrUrl);
    await app.locator('#deny').waitFor();
    await scanin.services.db('login_requests').where({ rid }).update({ expires_at: scanin.services.clock() - 1 });
    await app.locator('#deny').tap();
    expect(await resultTitle()).toBe('This code has expired');
    await shot(app, 'expired');
    const other = await desktopLogin();
    await paste(other.qrUrl);
    await app.locator('#deny').tap();
    expect(await resultTitle()).toBe('Denied');
    await paste(other.qrUrl);
    expect(await resultTitle()).toBe('Already answered');
    await paste(`${scanin.issuer}/q/AAAAAAAAAAAAAAAAAAAAAA`);
    expect(await resultTitle()).toBe('Unknown code');
    await paste('https://example.com/not-scanin');
    expect(await resultTitle()).toBe('Not a Scanin code');
    await Promise.all([login.close(), other.close()]);
  }, 90_000);

  it('a /q/ link opened on the enrolled phone goes straight to the approve screen', async () => {
    const login = await desktopLogin();
    await app.goto(login.qrUrl);
    await app.locator('#request-client').waitFor();
    expect(app.url()).toContain('/app/#/open/');
    await app.locator('#deny').tap();
    expect(await resultTitle()).toBe('Denied');
    await login.close();
  }, 90_000);

  it('the notebook is saved encrypted, and a write from a stale copy is shown as a conflict, not lost', async () => {
    await app.goto(`${scanin.issuer}/app/#/`);
    await app.locator('.account').first().tap();
    await app.locator('#vault-text:not([disabled])').waitFor();
    const other = watch(await phone.newPage());
    await other.goto(app.url());
    await other.locator('#vault-text:not([disabled])').waitFor();

    await app.locator('#vault-text').fill('Locker code 4711');
    await app.locator('#vault-save').tap();
    await expect.poll(() => app.locator('#vault-status').textContent()).toBe('Saved: version 1.');
    const stored = await scanin.services.db('device_vaults').first();
    expect(Buffer.from(stored.data as string, 'base64url').toString('latin1')).not.toContain('4711');
    await shot(app, 'notebook');

    await other.locator('#vault-text').fill('Wifi: hunter2');
    await other.locator('#vault-save').tap();
    await other.locator('#vault-conflict:not(.hidden)').waitFor();
    expect(await other.locator('#vault-theirs').textContent()).toBe('Locker code 4711');
    expect(await other.locator('#vault-text').inputValue()).toBe('Wifi: hunter2');
    await shot(other, 'notebook-conflict');
    await other.locator('#vault-keep-mine').tap();
    await expect.poll(() => other.locator('#vault-status').textContent()).toBe('Saved: version 2.');
    await other.close();
  });

  it('opens offline to the list of accounts; the worker keeps only the app shell, never an API answer', async () => {
    await app.goto(`${scanin.issuer}/app/#/`);
    await app.evaluate(async () => navigator.serviceWorker.ready);
    await phone.setOffline(true);
    try {
      await app.reload();
      await app.locator('.account').first().waitFor();
      expect(await app.locator('.account-email').allTextContents()).toEqual(['alice@example.com']);
      await shot(app, 'accounts');
    } finally {
      await phone.setOffline(false);
    }
    const cached = await app.evaluate(async () => {
      const urls: string[] = [];
      for (const name of await caches.keys()) for (const request of await (await caches.open(name)).keys()) urls.push(request.url);
      return urls;
    });
    expect(cached.length).toBeGreaterThan(0);
    expect(cached.filter((url) => url.includes('/device/'))).toEqual([]);
  });

  it('removes an account from the phone after asking', async () => {
    const invite = await newInvite(scanin, 'bob@example.com');
    await paste(enrollmentUrl(scanin.issuer, invite.eid));
    await app.locator('#enroll').tap();
    expect(await resultTitle()).toBe('This phone is enrolled');
    await app.goto(`${scanin.issuer}/app/#/`);
    await app.locator('.account', { hasText: 'bob@example.com' }).tap();
    await app.locator('#remove').tap();
    await app.locator('#remove-confirm:not(.hidden)').waitFor();
    await shot(app, 'remove');
    await app.locator('#remove-yes').tap();
    await app.locator('.account').first().waitFor();
    expect(await app.locator('.account-email').allTextContents()).toEqual(['alice@example.com']);
  });

  it('holds accounts of several servers, several on one; asks which account signs in; Approve and Deny side by side, the same size', async () => {
    const second = await startDeviceTestScanin({ NUMBER_MATCHING: 'false' });
    try {
      for (const email of ['dave@example.com', 'erin@example.com']) {
        const invite = await newInvite(second, email);
        await paste(enrollmentUrl(second.issuer, invite.eid));
        await app.locator('#enroll').tap();
        expect(await resultTitle()).toBe('This phone is enrolled');
      }
      await app.goto(`${scanin.issuer}/app/#/`);
      await app.locator('.account').first().waitFor();
      expect((await app.locator('.account-email').allTextContents()).sort()).toEqual(['alice@example.com', 'dave@example.com', 'erin@example.com']);
      expect(new Set(await app.locator('.account-issuer').allTextContents()).size).toBe(2);
      await shot(app, 'accounts-several');

      const login = await desktopLogin(second, await discover(second.issuer));
      await paste(login.qrUrl);
      await app.locator('button.pick').first().waitFor();
      expect(await app.locator('button.pick').allTextContents()).toEqual(['Test Person (dave@example.com)', 'Test Person (erin@example.com)']);
      await shot(app, 'pick-account');
      await app.getByRole('button', { name: 'Test Person (erin@example.com)' }).tap();
      await app.locator('#approve').waitFor();
      expect(await app.locator('#request-account').textContent()).toBe('erin@example.com');
      const [approve, deny] = [(await app.locator('#approve').boundingBox())!, (await app.locator('#deny').boundingBox())!];
      expect([deny.width, deny.height]).toEqual([approve.width, approve.height]);
      expect(approve.height).toBeGreaterThanOrEqual(44);
      await shot(app, 'approve-plain');
      await app.locator('#approve').tap();
      expect(await resultTitle()).toBe('Approved');
      const secondConfig = await discover(second.issuer);
      const claims = (await redeem(secondConfig, await login.callback, login.auth)).claims()!;
      expect(claims.email).toBe('erin@example.com');
      await login.close();

      // A sign-in that names its account (login_hint) is answered by that account's key, unasked.
      const named = await desktopLogin(second, secondConfig, 'dave@example.com');
      await paste(named.qrUrl);
      await app.locator('#approve').waitFor();
      expect(await app.locator('#request-account').textContent()).toBe('dave@example.com');
      await app.locator('#approve').tap();
      expect(await resultTitle()).toBe('Approved');
      expect((await redeem(secondConfig, await named.callback, named.auth)).claims()!.email).toBe('dave@example.com');
      await named.close();
    } finally {
      await second.close();
    }
  }, 90_000);

  it('on a browser without Ed25519 in WebCrypto, enrolls a P-256 key and its ES256 signatures (r‖s as WebCrypto makes them) sign in', async () => {
    const p256Phone = await browser.newContext(PHONE);
    try {
      // This browser's WebCrypto, minus Ed25519: the app must fall back to P-256.
      await p256Phone.addInitScript(() => {
        const generateKey = crypto.subtle.generateKey.bind(crypto.subtle);
        crypto.subtle.generateKey = ((algorithm: AlgorithmIdentifier, extractable: boolean, usages: KeyUsage[]) => {
          if ((typeof algorithm === 'string' ? algorithm : algorithm.name) === 'Ed25519') return Promise.reject(new DOMException('Unrecognized name.', 'NotSupportedError'));
          return generateKey(algorithm as EcKeyGenParams, extractable, usages);
        }) as typeof crypto.subtle.generateKey;
      });
      const page = watch(await p256Phone.newPage());
      const invite = await newInvite(scanin, 'frank@example.com');
      await page.goto(`${scanin.issuer}/app/#/open/${encodeURIComponent(enrollmentUrl(scanin.issuer, invite.eid))}`);
      await page.locator('#enroll').tap();
      await page.locator('#result-title').waitFor();
      const device = await scanin.services.db('devices').where({ account_id: invite.account_id }).first();
      expect(device).toMatchObject({ alg: 'ES256', status: 'active' });

      const login = await desktopLogin();
      await page.goto(`${scanin.issuer}/app/#/open/${encodeURIComponent(login.qrUrl)}`);
      await login.page.locator('#number-box:not(.hidden)').waitFor();
      const shown = (await login.page.locator('#number').textContent())!;
      await page.locator(`button.number[data-number="${shown}"]`).tap();
      await page.locator('#result-title').waitFor();
      expect(await page.locator('#result-title').textContent()).toBe('Approved');
      expect((await redeem(config, await login.callback, login.auth)).claims()!.email).toBe('frank@example.com');
      await login.close();
    } finally {
      await p256Phone.close();
    }
  });

  it('had no console errors and no CSP violations', () => {
    expect(problems).toEqual([]);
  });
});

describe('the scanner, fed by a fake camera', () => {
  let cameraBrowser: Browser;

  afterAll(async () => {
    await cameraBrowser?.close();
  });

  it('shows the camera and waits while it sees no code, on the scan screen', async () => {
    const video = join(testDir(), 'blank.y4m');
    writeQrVideo(video, null);
    const blank = await launchChromium(['--use-fake-device-for-media-stream', `--use-file-for-fake-video-capture=${video}`]);
    try {
      const context = await blank.newContext(PHONE);
      await context.grantPermissions(['camera'], { origin: scanin.issuer });
      const page = watch(await context.newPage());
      await page.goto(`${scanin.issuer}/app/#/scan`);
      await page.getByText('Point the camera at the QR code.').waitFor();
      expect(await page.locator('#scan-status').getAttribute('data-decoder')).toMatch(/^(jsQR|BarcodeDetector)$/);
      expect(await page.locator('video').evaluate((element: HTMLVideoElement) => element.videoWidth)).toBe(640);
      await shot(page, 'scan');
      expect(page.url()).toBe(`${scanin.issuer}/app/#/scan`);
    } finally {
      await blank.close();
    }
  });

  it('reads an invite QR code from the camera and opens the enroll screen', async () => {
    const invite = await newInvite(scanin, 'carol@example.com');
    const video = join(testDir(), 'invite-qr.y4m');
    writeQrVideo(video, enrollmentUrl(scanin.issuer, invite.eid));
    cameraBrowser = await launchChromium(['--use-fake-device-for-media-stream', `--use-file-for-fake-video-capture=${video}`]);
    const context = await cameraBrowser.newContext(PHONE);
    await context.grantPermissions(['camera'], { origin: scanin.issuer });
    const page = watch(await context.newPage());
    await page.goto(`${scanin.issuer}/app/#/scan`);
    await page.locator('#enroll-account').waitFor({ timeout: 15_000 });
    expect(await page.locator('#device-name').count()).toBe(1);
    expect(await page.locator('#enroll-account').textContent()).toBe('Test Person (carol@example.com)');
    await page.locator('#enroll').tap();
    await page.locator('#result-title').waitFor();
    expect(await page.locator('#result-title').textContent()).toBe('This phone is enrolled');
    expect(problems).toEqual([]);
  });
});
