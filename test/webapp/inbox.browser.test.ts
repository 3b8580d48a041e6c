// The web authenticator listening to the device inbox (docs/protocol.md §17) in headless Chromium:
// a phone enrolled through /app from an invite, with the app open on its list of accounts; a
// confidential app starts a CIBA sign-in for the person's email (poll mode), and the app opens
// the approve screen by itself — no QR code anywhere — shows the binding message and the three
// numbers, and its answer reaches the app's token poll. Also: a denial, a sign-in answered
// elsewhere meanwhile, one outstanding poll per account, and no poll while the page is hidden.
import type { Browser, BrowserContext, Page, Request } from 'playwright-core';
import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { revokeDevice } from '../../src/store/devices.ts';
import { findLoginRequest } from '../../src/store/loginRequests.ts';
import { launchChromium, PHONE } from '../helpers/chromium.ts';
import { answerLogin, enrollDevice, loginAssertion } from '../helpers/device.ts';
import { discover } from '../helpers/rp.ts';
import { startTestScanin, TEST_CLIENTS, type TestScanin } from '../helpers/scanin.ts';
import { enrollInWebApp } from '../helpers/webApp.ts';

const CIBA = 'urn:openid:params:grant-type:ciba';
const SECRET = 'inbox-cli-secret-that-is-long-enough-0123456789';
const EMAIL = 'gus@example.com';

let scanin: TestScanin;
let cli: oidc.Configuration;
let browser: Browser;
let phone: BrowserContext;
let app: Page;
const problems: string[] = [];
/** The inbox polls the page has under way, and the most it ever had at once. */
const inFlight = new Set<Request>();
let mostInFlight = 0;
const inboxPolls: Request[] = [];
const abortedPolls: Request[] = [];

function trackInbox(page: Page): void {
  const isInbox = (request: Request) => new URL(request.url()).pathname === '/device/v1/inbox';
  page.on('request', (request) => {
    if (!isInbox(request)) return;
    inboxPolls.push(request);
    inFlight.add(request);
    mostInFlight = Math.max(mostInFlight, inFlight.size);
  });
  page.on('requestfinished', (request) => inFlight.delete(request));
  page.on('requestfailed', (request) => {
    if (isInbox(request)) abortedPolls.push(request);
    inFlight.delete(request);
  });
}

function startCiba(binding: string, email = EMAIL) {
  return oidc.initiateBackchannelAuthentication(cli, { scope: 'openid email', login_hint: email, binding_message: binding });
}

/** The app, left on its list of accounts, opens the arriving sign-in by itself; returns its rid. */
async function arrives(binding: string): Promise<string> {
  await app.locator('#request-binding').waitFor();
  expect(await app.locator('#request-binding').textContent()).toBe(binding);
  expect(await app.locator('#request-client').textContent()).toBe('Ops CLI (cli-tool)');
  expect(await app.locator('#request-browser').count()).toBe(0);
  expect(await app.locator('.number').allTextContents()).toContain(binding);
  // #/open/{the URL, encoded}?as={the device_id of the account whose inbox it came from}
  const [link = '', query = ''] = new URL(app.url()).hash.replace('#/open/', '').split('?');
  expect(query).toMatch(/^as=[A-Za-z0-9_-]{43}$/);
  return decodeURIComponent(link).split('/').pop()!;
}

async function resultTitle(): Promise<string> {
  await app.locator('#result-title').waitFor();
  return (await app.locator('#result-title').textContent())!;
}

/** The invite link opened on the phone leads into the app, which binds a new key; back to the accounts. */
async function enrollThroughApp(email: string): Promise<void> {
  await enrollInWebApp(app, scanin, email);
  expect(await resultTitle()).toBe('This phone is enrolled');
  await home();
}

async function home(): Promise<void> {
  await app.goto(`${scanin.issuer}/app/#/`);
  await app.locator('.account').first().waitFor();
}

beforeAll(async () => {
  scanin = await startTestScanin({
    clients: [...TEST_CLIENTS, { client_id: 'cli-tool', client_name: 'Ops CLI', client_secret: SECRET, grant_types: [CIBA], backchannel_token_delivery_mode: 'poll' }],
    env: { NUMBER_MATCHING: 'true', ALLOW_PRIVATE_CALLBACKS: 'true' },
  });
  cli = await discover(scanin.issuer, 'cli-tool', SECRET);
  browser = await launchChromium();
  phone = await browser.newContext(PHONE);
  app = await phone.newPage();
  app.on('console', (message) => {
    if (message.type() === 'error' && !/Failed to load resource/.test(message.text())) problems.push(`console: ${message.text()}`);
  });
  app.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`));
  trackInbox(app);
});

afterAll(async () => {
  await browser?.close();
  await scanin?.close();
});

describe('the web authenticator listens to the inbox', () => {
  it('enrolls from an invite through /app', async () => {
    await enrollThroughApp(EMAIL);
  });

  it('a CIBA sign-in opens the approve screen without any QR code; picking the number gives the app an ID token for the account', async () => {
    const started = await startCiba('64');
    await arrives('64');
    await expect(oidc.genericGrantRequest(cli, CIBA, { auth_req_id: started.auth_req_id })).rejects.toMatchObject({ error: 'authorization_pending' });
    await app.locator('.number[data-number="64"]').tap();
    expect(await resultTitle()).toBe('Approved');
    const tokens = await oidc.genericGrantRequest(cli, CIBA, { auth_req_id: started.auth_req_id });
    expect(tokens.claims()).toMatchObject({ email: EMAIL, aud: 'cli-tool' });
  });

  it('a denial on the phone reaches the app as access_denied', async () => {
    await home();
    const started = await startCiba('17');
    await arrives('17');
    // Deny is there beside the numbers, as on the QR path.
    expect(await app.locator('#deny').isVisible()).toBe(true);
    await app.locator('#deny').tap();
    expect(await resultTitle()).toBe('Denied');
    await expect(oidc.genericGrantRequest(cli, CIBA, { auth_req_id: started.auth_req_id })).rejects.toMatchObject({ error: 'access_denied' });
  });

  it('a sign-in answered from another device meanwhile is shown with the usual message', async () => {
    const other = await enrollDevice(scanin, EMAIL);
    await home();
    const started = await startCiba('42');
    const rid = await arrives('42');
    const row = (await findLoginRequest(scanin.services.db, rid))!;
    const answer = await answerLogin(scanin, rid, loginAssertion(scanin, other, { rid, challenge: row.challenge }, { decision: 'deny' }));
    expect(answer.status, answer.text).toBe(200);
    await app.locator('.number[data-number="42"]').tap();
    expect(await resultTitle()).toBe('Already answered');
    await expect(oidc.genericGrantRequest(cli, CIBA, { auth_req_id: started.auth_req_id })).rejects.toMatchObject({ error: 'access_denied' });
  });

  it('stops polling when the page is hidden and starts again when it is visible', async () => {
    await home();
    await expect.poll(() => inFlight.size).toBe(1);
    const aborted = abortedPolls.length;
    await app.evaluate(() => {
      Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => 'hidden' });
      document.dispatchEvent(new Event('visibilitychange', { bubbles: true }));
    });
    // The poll under way is given up, not left to run out.
    await expect.poll(() => abortedPolls.length).toBe(aborted + 1);
    expect(inFlight.size).toBe(0);
    const started = await startCiba('88');
    await app.evaluate(() => {
      Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => 'visible' });
      document.dispatchEvent(new Event('visibilitychange', { bubbles: true }));
    });
    await arrives('88');
    await app.locator('#deny').tap();
    expect(await resultTitle()).toBe('Denied');
    await expect(oidc.genericGrantRequest(cli, CIBA, { auth_req_id: started.auth_req_id })).rejects.toMatchObject({ error: 'access_denied' });
  });

  it('never had more than one poll under way for its one account, and no console errors or CSP violations', () => {
    expect(inboxPolls.length).toBeGreaterThan(0);
    expect(mostInFlight).toBe(1);
    expect(problems).toEqual([]);
  });
});

describe('several accounts of one issuer on the phone', () => {
  const SECOND = 'hal@example.com';

  it('enrolls a second account of the same issuer through /app', async () => {
    await enrollThroughApp(SECOND);
    expect(await app.locator('.account-email').allTextContents()).toEqual([EMAIL, SECOND]);
  });

  it('each CIBA sign-in opens for the account it names and is answered with that key, without asking which', async () => {
    for (const [email, binding] of [[SECOND, '23'], [EMAIL, '56']] as const) {
      await home();
      const started = await startCiba(binding, email);
      const rid = await arrives(binding);
      expect(await app.locator('button.pick').count()).toBe(0);
      expect(await app.locator('#request-account').textContent()).toBe(email);
      const row = (await findLoginRequest(scanin.services.db, rid))!;
      expect(row.status).toBe('scanned');
      await app.locator(`.number[data-number="${binding}"]`).tap();
      expect(await resultTitle()).toBe('Approved');
      const tokens = await oidc.genericGrantRequest(cli, CIBA, { auth_req_id: started.auth_req_id });
      expect(tokens.claims()).toMatchObject({ email });
    }
  });

  it("still opens the second account's sign-in when the first account's key was revoked (it is no reader any more)", async () => {
    const account = await scanin.services.db('accounts').where({ email: EMAIL }).first();
    // The web app's key for the first account (its other device was enrolled by the test helper),
    // which the app lists first: before, it read every sign-in of this issuer with that key.
    const first = await scanin.services.db('devices').where({ account_id: account.id }).andWhere('name', 'like', '%(web app)').first();
    expect(await revokeDevice(scanin.services.db, first.id, scanin.services.clock())).toBe(true);
    await home();
    const started = await startCiba('71', SECOND);
    await arrives('71');
    expect(await app.locator('#request-account').textContent()).toBe(SECOND);
    await app.locator('.number[data-number="71"]').tap();
    expect(await resultTitle()).toBe('Approved');
    expect((await oidc.genericGrantRequest(cli, CIBA, { auth_req_id: started.auth_req_id })).claims()).toMatchObject({ email: SECOND });
  });

  it('had no console errors or CSP violations', () => {
    expect(problems).toEqual([]);
  });
});
