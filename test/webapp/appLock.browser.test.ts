// The web app's app lock (docs/protocol.md §4 `uv`, `uvm`), in headless Chromium: a PIN kept as a
// PBKDF2 hash, or this phone's own lock through WebAuthn with user verification (a virtual
// platform authenticator over DevTools). An approval asks for the lock first and says how it
// checked (the ID token's amr: pin, or user for the platform's check); a wrong PIN or a failed
// check approves nothing and leaves the request open; a denial needs no lock; an app that
// requires a verified user gets no approval from a phone without a lock; and changing or
// turning off the lock needs the lock. Served at localhost: WebAuthn needs a domain, not an IP.
import type { Browser, CDPSession, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACR_DEVICE_VERIFIED } from '../../src/oidc/authContext.ts';
import { findLoginRequest } from '../../src/store/loginRequests.ts';
import { launchChromium, PHONE } from '../helpers/chromium.ts';
import { enrollInWebApp } from '../helpers/webApp.ts';
import { completeLogin, openLoginPage, type OpenLogin } from '../helpers/login.ts';
import { discover, redeem } from '../helpers/rp.ts';
import { freePort, PUBLIC_CLIENT, RP_REDIRECT, startTestScanin, TEST_CLIENTS, type TestScanin } from '../helpers/scanin.ts';

const BANK = 'bank';
const PIN = '246810';

let scanin: TestScanin;
let browser: Browser;
let app: Page;
let devtools: CDPSession;
let authenticatorId: string;

beforeAll(async () => {
  const port = await freePort();
  scanin = await startTestScanin({
    env: { PORT: String(port), ISSUER: `http://localhost:${port}` },
    clients: [...TEST_CLIENTS, { client_id: BANK, client_name: 'Bank', first_party: true, token_endpoint_auth_method: 'none', redirect_uris: [RP_REDIRECT], require_user_verification: true }],
  });
  browser = await launchChromium();
  app = await (await browser.newContext(PHONE)).newPage();
  devtools = await app.context().newCDPSession(app);
  await devtools.send('WebAuthn.enable');
  ({ authenticatorId } = await devtools.send('WebAuthn.addVirtualAuthenticator', {
    options: { protocol: 'ctap2', transport: 'internal', hasResidentKey: true, hasUserVerification: true, isUserVerified: true, automaticPresenceSimulation: true },
  }));
  await enrollInWebApp(app, scanin, 'lena@example.com');
}, 90_000);

afterAll(async () => {
  await browser?.close();
  await scanin?.close();
});

async function resultTitle(): Promise<string> {
  await app.locator('#result-title').waitFor();
  return (await app.locator('#result-title').textContent())!;
}

/** A sign-in to `clientId` opened on the phone, on its approve screen. */
async function onPhone(clientId: string): Promise<{ login: OpenLogin; config: Awaited<ReturnType<typeof discover>> }> {
  const config = await discover(scanin.issuer, clientId);
  const login = await openLoginPage(config);
  await app.goto(login.qrUrl);
  await app.locator('#request-client').waitFor();
  return { login, config };
}

async function enterPin(pin: string): Promise<void> {
  await app.locator('#pin-input').fill(pin);
  await app.locator('#pin-submit').tap();
}

async function openLockSettings(): Promise<void> {
  await app.goto(`${scanin.issuer}/app/#/lock`);
  await app.locator('#lock-current').waitFor();
}

describe('the app lock', () => {
  it('without a lock, an app that requires a verified user gets only Deny, with the way to set a lock up', async () => {
    const { login } = await onPhone(BANK);
    expect(await app.locator('#needs-lock').textContent()).toContain('Bank requires you to unlock this app');
    expect(await app.locator('#approve').count()).toBe(0);
    expect(await app.locator('#set-up-lock').getAttribute('href')).toBe('#/lock');
    await app.locator('#deny').tap();
    expect(await resultTitle()).toBe('Denied');
    expect((await findLoginRequest(scanin.services.db, login.rid))!.status).toBe('denied');
  }, 90_000);

  it('sets a PIN: too short, or not repeated the same, is refused', async () => {
    await openLockSettings();
    expect(await app.locator('#lock-current').textContent()).toContain('Off');
    await app.locator('#lock-pin').tap();
    await enterPin('1234');
    expect(await app.locator('#pin-error').textContent()).toBe('A PIN has at least 6 digits.');
    await enterPin(PIN);
    await enterPin('246811');
    await app.getByText('Not the same PIN', { exact: false }).waitFor();
    await enterPin(PIN);
    expect(await app.locator('#lock-status').textContent()).toBe('A PIN now locks approvals.');
    // Kept as a salted PBKDF2 hash, never as the PIN.
    const stored = await app.evaluate(() => new Promise<string>((resolve) => {
      const open = indexedDB.open('scanin-lock');
      open.onsuccess = () => {
        const read = open.result.transaction('settings').objectStore('settings').get('lock');
        read.onsuccess = () => resolve(JSON.stringify(read.result));
      };
    }));
    expect(stored).not.toContain(PIN);
    expect(JSON.parse(stored)).toMatchObject({ kind: 'pin', iterations: 600000, failures: 0 });
  }, 90_000);

  it('approving asks for the PIN: a wrong one approves nothing, the right one signs uv with pin', async () => {
    const { login, config } = await onPhone(PUBLIC_CLIENT);
    await app.locator('#approve').tap();
    await enterPin('000000');
    await app.getByText('Wrong PIN. Try again.').waitFor();
    expect((await findLoginRequest(scanin.services.db, login.rid))!.status).toBe('scanned');
    await enterPin(PIN);
    expect(await resultTitle()).toBe('Approved');
    const claims = (await redeem(config, await completeLogin(scanin, login), login.auth)).claims()!;
    expect({ acr: claims.acr, amr: claims.amr }).toEqual({ acr: ACR_DEVICE_VERIFIED, amr: ['pop', 'pin', 'mfa'] });
  }, 90_000);

  it('cancelling the PIN goes back to the request, still open; a denial needs no PIN', async () => {
    const { login } = await onPhone(BANK);
    await app.locator('#approve').tap();
    await app.locator('#pin-cancel').tap();
    await app.locator('#approve').waitFor();
    expect((await findLoginRequest(scanin.services.db, login.rid))!.status).toBe('scanned');
    await app.locator('#deny').tap();
    expect(await resultTitle()).toBe('Denied');
  }, 90_000);

  it("this phone's own lock (WebAuthn, user verification): changing to it needs the PIN, and approvals then give amr user", async () => {
    await openLockSettings();
    await app.locator('#lock-platform').tap();
    await enterPin(PIN);
    await app.locator('#lock-status').waitFor();
    expect(await app.locator('#lock-status').textContent()).toBe('This phone’s own lock now locks approvals.');
    const { credentials } = await devtools.send('WebAuthn.getCredentials', { authenticatorId });
    expect(credentials).toHaveLength(1);

    const { login, config } = await onPhone(BANK);
    await app.locator('#approve').tap();
    expect(await resultTitle()).toBe('Approved');
    const claims = (await redeem(config, await completeLogin(scanin, login), login.auth)).claims()!;
    expect({ acr: claims.acr, amr: claims.amr }).toEqual({ acr: ACR_DEVICE_VERIFIED, amr: ['pop', 'user', 'mfa'] });
  }, 90_000);

  it("an assertion without the platform's user-verified flag approves nothing, and the lock cannot be turned off with it", async () => {
    // As a platform that only tested presence would answer: the same assertion, its UV flag cleared.
    const withoutUserVerified = () => app.evaluate(() => {
      const real = navigator.credentials.get.bind(navigator.credentials);
      navigator.credentials.get = async (options) => {
        const assertion = (await real(options)) as PublicKeyCredential;
        const data = new Uint8Array((assertion.response as AuthenticatorAssertionResponse).authenticatorData.slice(0));
        data[32]! &= ~0x04;
        return { response: { authenticatorData: data.buffer } } as unknown as Credential;
      };
    });
    const { login } = await onPhone(PUBLIC_CLIENT);
    await withoutUserVerified();
    // Marked, so that the wait below is for the request shown again, not for this one.
    await app.locator('#approve').evaluate((button) => button.setAttribute('data-before', ''));
    await app.locator('#approve').tap();
    await app.locator('#approve:not([data-before])').waitFor();
    expect((await findLoginRequest(scanin.services.db, login.rid))!.status).toBe('scanned');
    expect(await app.locator('#result-title').count()).toBe(0);

    await openLockSettings();
    await withoutUserVerified();
    await app.locator('#lock-off').tap();
    await app.locator('#lock-status').waitFor();
    expect(await app.locator('#lock-status').textContent()).toBe('The app lock is unchanged.');

    await app.reload();
    await app.locator('#lock-current').waitFor();
    await app.locator('#lock-off').tap();
    await app.locator('#lock-status').waitFor();
    expect(await app.locator('#lock-status').textContent()).toBe('The app lock is off.');
  }, 90_000);
});
