// The QR login page in a real browser (headless Chromium driven by playwright-core): the page
// script, its Server-Sent Events stream and its redirects, with the reference authenticator as
// the phone and openid-client as the relying party. The relying party's redirect_uri
// (http://127.0.0.1:9/callback, where nothing listens) is answered by the browser itself.
import type { Browser, BrowserContext, Page, Response } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeviceApiError, type Authenticator } from '../../src/authenticator/authenticator.ts';
import { launchChromium } from '../helpers/chromium.ts';
import { enrolledPhone } from '../helpers/login.ts';
import { authorizationRequest, discover, redeem, type Authorization } from '../helpers/rp.ts';
import { freePort, RP_REDIRECT, startTestScanin, type TestScanin } from '../helpers/scanin.ts';
import type * as oidc from 'openid-client';

const RP_ORIGIN = new URL(RP_REDIRECT).origin;
const SCANNED_TEXT = 'Scanned. Confirm on your phone.';
const WAITING_TEXT = 'Waiting for your phone…';

type Server = { scanin: TestScanin; phone: Authenticator; config: oidc.Configuration };

/** One login in one fresh browser context, from the authorization request to the QR page. */
type BrowserLogin = {
  context: BrowserContext;
  page: Page;
  auth: Authorization;
  /** The response that rendered the QR page (the last hop of the redirects from /auth). */
  response: Response;
  uid: string;
  interactionUrl: string;
  qrUrl: string;
  rid: string;
  /** Resolves with the first URL the browser asks of the relying party's /callback. */
  callback: Promise<string>;
  /** Every top-level navigation the page made, in order. */
  navigations: string[];
  /** Console errors, uncaught exceptions and CSP violations, on any page of this login. */
  problems: string[];
};

let browser: Browser;
const servers: Server[] = [];

async function server(env: Record<string, string> = {}): Promise<Server> {
  const scanin = await startTestScanin({ env });
  const phone = await enrolledPhone(scanin, 'alice@example.com');
  const config = await discover(scanin.issuer);
  const started = { scanin, phone, config };
  servers.push(started);
  return started;
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  return Promise.race([promise, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`${what}: nothing after ${ms} ms`)), ms).unref())]);
}

async function openLogin({ scanin, config }: Server): Promise<BrowserLogin> {
  const context = await browser.newContext({ viewport: { width: 900, height: 760 } });
  const page = await context.newPage();
  const problems: string[] = [];
  const navigations: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console: ${message.text()}`);
  });
  page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`));
  page.on('request', (request) => {
    if (request.isNavigationRequest() && request.frame() === page.mainFrame()) navigations.push(request.url());
  });
  // A CSP violation is reported on the console too; the event also catches report-only ones.
  await page.exposeFunction('reportCspViolation', (text: string) => problems.push(`csp: ${text}`));
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (event) => {
      (window as unknown as { reportCspViolation(text: string): void }).reportCspViolation(`${event.violatedDirective} ${event.blockedURI}`);
    });
  });

  let reached: (url: string) => void;
  const callback = new Promise<string>((resolve) => (reached = resolve));
  await page.route(`${RP_ORIGIN}/**`, async (route) => {
    const url = route.request().url();
    if (new URL(url).pathname === '/callback') reached(url);
    await route.fulfill({ status: 200, contentType: 'text/html; charset=utf-8', body: '<!doctype html><title>Test App</title><p id="app">Back at the app.</p>' });
  });

  const auth = await authorizationRequest(config);
  const response = await page.goto(auth.url);
  expect(response, 'the QR page answered').not.toBeNull();
  expect(response!.status()).toBe(200);
  const interactionUrl = page.url();
  expect(interactionUrl).toMatch(new RegExp(`^${scanin.issuer}/interaction/[A-Za-z0-9_-]+$`));
  await page.locator('#qr svg').waitFor();
  const qrUrl = (await page.locator('#qr-link').getAttribute('href'))!;
  const rid = qrUrl.slice(qrUrl.lastIndexOf('/') + 1);
  return { context, page, auth, response: response!, uid: interactionUrl.split('/').pop()!, interactionUrl, qrUrl, rid, callback, navigations, problems };
}

function statusText(page: Page): Promise<string | null> {
  return page.locator('#status').textContent();
}

async function expectStatus(page: Page, text: string): Promise<void> {
  await expect.poll(() => statusText(page), { timeout: 5_000 }).toBe(text);
}

/** The page went to the app by itself; returns the callback's query. */
async function callbackParams(login: BrowserLogin): Promise<URLSearchParams> {
  const url = await withTimeout(login.callback, 10_000, 'the callback');
  await login.page.waitForURL((current) => current.href.startsWith(RP_REDIRECT));
  expect(await login.page.locator('#app').textContent()).toBe('Back at the app.');
  return new URL(url).searchParams;
}

beforeAll(async () => {
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await Promise.all(servers.map(({ scanin }) => scanin.close()));
});

describe('the QR login page in Chromium', () => {
  let main: Server;

  beforeAll(async () => {
    main = await server();
  });

  it('(a) renders the QR, shows the scan, and goes to the app by itself after approval: tokens with email and amr ["pop"]', async () => {
    const login = await openLogin(main);
    const { page } = login;
    const { issuer } = main.scanin;

    expect(await page.title()).toBe('Sign in to Test App · Scanin');
    expect(login.qrUrl).toMatch(new RegExp(`^${issuer}/q/[A-Za-z0-9_-]{22,}$`));
    expect(await page.locator('#qr svg').count()).toBe(1);
    expect(await page.locator('#qr svg').isVisible()).toBe(true);
    const box = (await page.locator('#qr svg').boundingBox())!;
    expect(box.width).toBeGreaterThanOrEqual(200);
    expect(Math.abs(box.width - box.height)).toBeLessThan(2);
    expect(await statusText(page)).toBe(WAITING_TEXT);
    expect(await page.locator('#number-box').isVisible()).toBe(false);
    await page.screenshot({ path: '/tmp/scanin-login.png' });

    // The phone scans: it sees this very browser, and the page learns of the scan.
    const request = await main.phone.fetchLoginRequest(login.qrUrl);
    expect(request.rid).toBe(login.rid);
    expect(request.client).toEqual({ client_id: 'test-public', name: 'Test App' });
    expect(request.browser?.ip).toBe('127.0.0.1');
    expect(request.browser?.user_agent).toBe(await page.evaluate(() => navigator.userAgent));
    await expectStatus(page, SCANNED_TEXT);
    expect(await page.locator('#qr').getAttribute('class')).toContain('faded');
    expect(await page.locator('#number-box').isVisible()).toBe(false);
    await page.screenshot({ path: '/tmp/scanin-scanned.png' });

    expect((await main.phone.answerRequest(request, 'approve')).status).toBe('approved');
    const params = await callbackParams(login);
    expect(params.get('error')).toBeNull();
    expect(params.get('code')).toBeTruthy();
    expect(params.get('state')).toBe(login.auth.state);
    expect(login.navigations.slice(0, 3)).toEqual([login.auth.url, login.interactionUrl, `${login.interactionUrl}/complete`]);
    expect(login.navigations.at(-1)).toBe(await login.callback);

    const tokens = await redeem(main.config, await login.callback, login.auth);
    const claims = tokens.claims()!;
    expect(claims.email).toBe('alice@example.com');
    expect(claims.amr).toEqual(['pop']);
    expect(claims.nonce).toBe(login.auth.nonce);
    expect(login.problems).toEqual([]);
    await login.context.close();
  });

  it('(f) survives a restart of Scanin while it waits: it reconnects, and the approval still reaches it', async () => {
    const own = await server();
    const login = await openLogin(own);
    await expectStatus(login.page, WAITING_TEXT);

    const { dir, port, env } = own.scanin;
    await own.scanin.close();
    own.scanin = await startTestScanin({ dir, env: { ...env, PORT: String(port) } });

    expect((await own.phone.answer(login.qrUrl, 'approve')).status).toBe('approved');
    const params = await callbackParams(login);
    expect(params.get('code')).toBeTruthy();
    expect((await redeem(own.config, await login.callback, login.auth)).claims()!.email).toBe('alice@example.com');
    await login.context.close();
  });

  it('(c) a denial on the phone ends at the app with error=access_denied', async () => {
    const login = await openLogin(main);
    expect((await main.phone.answer(login.qrUrl, 'deny')).status).toBe('denied');
    const params = await callbackParams(login);
    expect(params.get('error')).toBe('access_denied');
    expect(params.get('code')).toBeNull();
    expect(params.get('state')).toBe(login.auth.state);
    expect(login.navigations).toContain(`${login.interactionUrl}/complete`);
    await expect(redeem(main.config, await login.callback, login.auth)).rejects.toMatchObject({ error: 'access_denied' });
    expect(login.problems).toEqual([]);
    await login.context.close();
  });

  it("(e) sends a strict CSP with frame-ancestors 'none' and X-Frame-Options DENY, has no inline script, and cannot be framed", async () => {
    const login = await openLogin(main);
    const { page } = login;
    const headers = login.response.headers();
    expect(headers['content-security-policy']).toMatch(/^default-src 'none'; script-src 'self'; .*frame-ancestors 'none'; form-action 'self' /);
    expect(headers['content-security-policy']).not.toContain('unsafe-inline');
    expect(headers['x-frame-options']).toBe('DENY');
    expect(headers['cache-control']).toBe('no-store');

    const scripts = await page.locator('script').evaluateAll((elements) =>
      elements.map((element) => ({ src: element.getAttribute('src'), text: (element.textContent ?? '').trim() })),
    );
    expect(scripts).toEqual([{ src: '/assets/live-state.js', text: '' }, { src: '/assets/login.js', text: '' }]);
    const inlineHandlers = await page.evaluate(() =>
      Array.from(document.querySelectorAll('*')).flatMap((element) => Array.from(element.attributes).filter((a) => /^on/i.test(a.name)).map((a) => `${element.tagName} ${a.name}`)),
    );
    expect(inlineHandlers).toEqual([]);
    expect(await page.locator('#qr script, #qr foreignObject').count()).toBe(0);
    const script = await page.request.get(`${main.scanin.issuer}/assets/login.js`);
    expect(script.headers()['content-type']).toBe('text/javascript; charset=utf-8');

    // Another site frames the QR page: the browser refuses to show it.
    const framer = await login.context.newPage();
    await framer.route(`${RP_ORIGIN}/framer`, (route) =>
      route.fulfill({ status: 200, contentType: 'text/html', body: `<!doctype html><iframe id="victim" src="${login.interactionUrl}"></iframe>` }),
    );
    await framer.goto(`${RP_ORIGIN}/framer`);
    const framed = framer.frames().find((frame) => frame !== framer.mainFrame())!;
    await expect.poll(async () => framed.url(), { timeout: 5_000 }).not.toBe('about:blank');
    expect(framed.url()).toBe('chrome-error://chromewebdata/');
    expect(await framed.locator('#login').count()).toBe(0);
    await framer.close();

    expect(login.problems).toEqual([]);
    await login.context.close();
  });

  it('(g) once the sign-in has expired, shows no code, no instruction to scan and no link to it, only a way to start again', async () => {
    const own = await server();
    const login = await openLogin(own);
    const { page } = login;
    await expectStatus(page, WAITING_TEXT);
    // Its event stream is open (this server has no other): one still being made when the
    // connections are cut would carry the cookies, open after the cut and leave the page waiting.
    await expect.poll(() => own.scanin.services.streams.size, { timeout: 5_000 }).toBe(1);
    // The interaction is gone for this browser (its cookie lost, as after its expiry); the page
    // finds out when its event stream drops and it reads the state again.
    await login.context.clearCookies();
    own.scanin.server.closeAllConnections();
    // It reconnects 2 s after the drop; on a busy machine the rest may take a few more.
    await expect.poll(() => statusText(page), { timeout: 15_000 }).toBe('This sign-in has expired.');
    for (const hidden of ['#qr', '#instruction', '#qr-link-box', '#number-box', '#cancel']) {
      expect(await page.locator(hidden).isVisible(), hidden).toBe(false);
    }
    expect(await page.locator('#qr-link').getAttribute('href')).toBeNull();
    expect(await page.getByText('Scan this code').isVisible()).toBe(false);
    expect(await page.locator('#restart a').isVisible()).toBe(true);
    await page.screenshot({ path: '/tmp/scanin-expired.png' });
    await login.context.close();
  });
});

describe('number matching in Chromium (NUMBER_MATCHING=true)', () => {
  let matching: Server;

  beforeAll(async () => {
    matching = await server({ NUMBER_MATCHING: 'true' });
  });

  it('(d) shows the number after the scan; the phone approves with it', async () => {
    const login = await openLogin(matching);
    const { page } = login;
    expect(await page.locator('#number-box').isVisible()).toBe(false);

    const request = await matching.phone.fetchLoginRequest(login.qrUrl);
    expect(request.number_choices).toHaveLength(3);
    await expectStatus(page, SCANNED_TEXT);
    await expect.poll(() => page.locator('#number-box').isVisible()).toBe(true);
    const shown = (await page.locator('#number').textContent())!;
    expect(shown).toMatch(/^\d{2}$/);
    expect(request.number_choices).toContain(shown);
    const stored = await matching.scanin.services.db('login_requests').where({ rid: login.rid }).first();
    expect(shown).toBe(stored.match_number);
    await page.screenshot({ path: '/tmp/scanin-number.png' });

    expect((await matching.phone.answerRequest(request, 'approve', { number: shown })).status).toBe('approved');
    const params = await callbackParams(login);
    expect(params.get('code')).toBeTruthy();
    const tokens = await redeem(matching.config, await login.callback, login.auth);
    expect(tokens.claims()!.email).toBe('alice@example.com');
    expect(tokens.claims()!.amr).toEqual(['pop']);
    expect(login.problems).toEqual([]);
    await login.context.close();
  });
});

describe('QR refresh in Chromium (REQUEST_TTL=10)', () => {
  let shortLived: Server;

  beforeAll(async () => {
    shortLived = await server({ REQUEST_TTL: '10' });
  });

  it('(b) replaces an expired QR code without a reload; the new one logs in', { timeout: 45_000 }, async () => {
    const login = await openLogin(shortLived);
    const { page } = login;
    const { issuer } = shortLived.scanin;
    const firstSvg = await page.locator('#qr').innerHTML();
    await page.evaluate(() => {
      (window as unknown as Record<string, unknown>).scaninMarker = 'same document';
    });

    // The stream rotates the request at its expires_at (10 s after the page was made).
    await page.waitForFunction((old) => document.getElementById('qr-link')?.getAttribute('href') !== old, login.qrUrl, { timeout: 20_000, polling: 200 });
    const newUrl = (await page.locator('#qr-link').getAttribute('href'))!;
    expect(newUrl).toMatch(new RegExp(`^${issuer}/q/[A-Za-z0-9_-]{22,}$`));
    const newRid = newUrl.slice(newUrl.lastIndexOf('/') + 1);
    expect(newRid).not.toBe(login.rid);
    expect(await page.locator('#qr').innerHTML()).not.toBe(firstSvg);
    expect(await page.locator('#qr svg').count()).toBe(1);
    expect(await statusText(page)).toBe(WAITING_TEXT);
    // Same document: the marker survived and no navigation happened.
    expect(await page.evaluate(() => (window as unknown as Record<string, unknown>).scaninMarker)).toBe('same document');
    expect(await page.evaluate(() => performance.getEntriesByType('navigation').length)).toBe(1);
    expect(login.navigations).toEqual([login.auth.url, login.interactionUrl]);

    // The old code is dead; the new one works.
    await expect(shortLived.phone.fetchLoginRequest(login.qrUrl)).rejects.toBeInstanceOf(DeviceApiError);
    await expect(shortLived.phone.fetchLoginRequest(login.qrUrl)).rejects.toMatchObject({ status: 410, error: 'expired' });
    const request = await shortLived.phone.fetchLoginRequest(newUrl);
    expect(request.rid).toBe(newRid);
    await expectStatus(page, SCANNED_TEXT);
    expect((await shortLived.phone.answerRequest(request, 'approve')).status).toBe('approved');

    const params = await callbackParams(login);
    expect(params.get('code')).toBeTruthy();
    const tokens = await redeem(shortLived.config, await login.callback, login.auth);
    expect(tokens.claims()!.email).toBe('alice@example.com');
    expect(tokens.claims()!.amr).toEqual(['pop']);
    expect(login.problems).toEqual([]);
    await login.context.close();
  });
});

describe('the QR login page under an issuer with a path (ISSUER=http://127.0.0.1:PORT/sso)', () => {
  let sso: Server;

  beforeAll(async () => {
    const port = await freePort();
    sso = await server({ PORT: String(port), ISSUER: `http://127.0.0.1:${port}/sso` });
  });

  it('(g) loads its script and style under the path, and an approval reaches the app', async () => {
    const login = await openLogin(sso);
    expect(login.interactionUrl).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:\\d+/sso/interaction/`));
    expect(login.qrUrl).toBe(`${sso.scanin.issuer}/q/${login.rid}`);
    // The stylesheet applied (the card is centred in a grid body), so it was found under the path.
    expect(await login.page.evaluate(() => getComputedStyle(document.body).display)).toBe('grid');
    await sso.phone.fetchLoginRequest(login.qrUrl);
    await expectStatus(login.page, SCANNED_TEXT);
    expect((await sso.phone.answer(login.qrUrl, 'approve')).status).toBe('approved');
    const params = await callbackParams(login);
    expect(params.get('code')).toBeTruthy();
    expect(login.navigations).toContain(`${login.interactionUrl}/complete`);
    expect((await redeem(sso.config, await login.callback, login.auth)).claims()!.iss).toBe(sso.scanin.issuer);
    expect(login.problems).toEqual([]);
    await login.context.close();
  });

  it('(h) a denial reaches the app as access_denied; the page\'s Cancel does too, and the phone is told sign_in_ended', async () => {
    const denied = await openLogin(sso);
    expect((await sso.phone.answer(denied.qrUrl, 'deny')).status).toBe('denied');
    expect((await callbackParams(denied)).get('error')).toBe('access_denied');
    await denied.context.close();

    const cancelled = await openLogin(sso);
    await cancelled.page.locator('form.cancel button').click();
    const params = await callbackParams(cancelled);
    expect(params.get('error')).toBe('access_denied');
    expect(params.get('error_description')).toBe('The person cancelled the sign-in.');
    await expect(sso.phone.fetchLoginRequest(cancelled.qrUrl)).rejects.toMatchObject({ status: 410, error: 'sign_in_ended' });
    expect(cancelled.problems).toEqual([]);
    await cancelled.context.close();
  });
});
