// Login swapping against a returning browser: once Alice has signed in on a browser, its next
// sign-in says "Continue as Alice" and expects her account (docs/protocol.md §7 "Which account
// answers"; SECURITY.md, attacker 3): a shoulder surfer's own phone gets 403 wrong_account and
// changes nothing, until the person at the browser chooses "Use another account". The memory is
// a random, httpOnly, SameSite=Lax cookie whose hash is in the database: it names no one, grants
// nothing, and a forged or stale one is ignored.
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accountHint } from '../../src/protocol/accountHint.ts';
import { findLoginRequest } from '../../src/store/loginRequests.ts';
import { TestBrowser } from '../helpers/browser.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/databases.ts';
import {
  answerLogin,
  call,
  enrollDevice,
  expectError,
  loginAssertion,
  requestPath,
  useScaninWithPhone,
  type Answer,
  type TestDevice,
} from '../helpers/device.ts';
import { openLoginPage, type OpenLogin } from '../helpers/login.ts';
import { authorizationRequest, discover, redeem } from '../helpers/rp.ts';
import { startScaninUnderPath, startTestScanin, type TestScanin } from '../helpers/scanin.ts';
import { splitRoute, TestBalancer } from '../helpers/balancer.ts';

const COOKIE = 'scanin_account';

/** What a QR code's public read says of the account it expects. */
async function publicHint(scanin: TestScanin, rid: string): Promise<unknown> {
  return (await call(scanin, 'GET', requestPath(rid))).body.account_hint;
}

async function answer(scanin: TestScanin, login: OpenLogin, device: TestDevice, decision = 'approve'): Promise<Answer> {
  const row = (await findLoginRequest(scanin.services.db, login.rid))!;
  return answerLogin(scanin, login.rid, loginAssertion(scanin, device, { rid: login.rid, challenge: row.challenge }, { decision }));
}

/** /complete after an approval; returns its Set-Cookie lines and the sub the app receives. */
async function finish(scanin: TestScanin, login: OpenLogin): Promise<{ setCookie: string[]; sub: string }> {
  const complete = await login.browser.fetch(`${login.interactionUrl}/complete`);
  expect(complete.status, complete.body).toBe(303);
  const { leftTo } = await login.browser.follow(complete.location!, scanin.issuer);
  const tokens = await redeem(await discover(scanin.issuer), leftTo!, login.auth);
  return { setCookie: [complete.headers['set-cookie'] ?? []].flat(), sub: tokens.claims()!.sub };
}

/** Signs `browser` in with `device`'s account, then lets its session lapse, as after it expired. */
async function signedInBefore(scanin: TestScanin, browser: TestBrowser, device: TestDevice): Promise<void> {
  const login = await openLoginPage(await discover(scanin.issuer), browser);
  expect((await answer(scanin, login, device)).status).toBe(200);
  expect((await finish(scanin, login)).sub).toBe(device.accountId);
  browser.dropCookies('_session');
}

const continueAs = (html: string) => /Continue as <strong id="expected-name">([^<]*)<\/strong> \(<span id="expected-email">([^<]*)<\/span>\)/.exec(html)?.slice(1);

describe('a browser that signed in before', () => {
  const world = useScaninWithPhone(); // world.phone: alice@example.com
  let mallory: TestDevice;

  beforeAll(async () => {
    mallory = await enrollDevice(world.scanin, 'mallory@example.com');
  });

  it('gets an opaque, httpOnly, SameSite=Lax cookie at sign-in, whose hash alone is stored', async () => {
    const browser = new TestBrowser();
    const login = await openLoginPage(await discover(world.scanin.issuer), browser);
    expect(await publicHint(world.scanin, login.rid)).toBeUndefined();
    expect((await answer(world.scanin, login, world.phone)).status).toBe(200);
    const { setCookie } = await finish(world.scanin, login);
    const line = setCookie.find((cookie) => cookie.startsWith(`${COOKIE}=`))!;
    expect(line).toMatch(/^scanin_account=[A-Za-z0-9_-]{43}; path=\/; expires=[^;]+; samesite=lax; httponly$/);
    const token = browser.cookie(COOKIE)!;
    const expires = Date.parse(/expires=([^;]+)/.exec(line)![1]!);
    expect(expires - Date.now()).toBeGreaterThan(179 * 86400_000);
    expect(expires - Date.now()).toBeLessThanOrEqual(180 * 86400_000);
    const rows = await world.scanin.services.db('remembered_browsers').where({ account_id: world.phone.accountId });
    expect(rows.map((row: { token_hash: string }) => row.token_hash)).toContain(createHash('sha256').update(token).digest('base64url'));
    expect(JSON.stringify(rows)).not.toContain(token);
  });

  it("refuses a shoulder surfer's approval with 403 wrong_account, changing nothing, and Alice's phone still signs in", async () => {
    const browser = new TestBrowser();
    await signedInBefore(world.scanin, browser, world.phone);
    const login = await openLoginPage(await discover(world.scanin.issuer), browser);
    const page = await browser.fetch(login.interactionUrl);
    expect(continueAs(page.body)).toEqual(['Test Person', 'alice@example.com']);
    expect(page.body).toContain('Forget this account');
    expect(await publicHint(world.scanin, login.rid)).toBe(accountHint(login.rid, world.phone.accountId));

    for (const decision of ['approve', 'deny']) expectError(await answer(world.scanin, login, mallory, decision), 403, 'wrong_account');
    expect(await findLoginRequest(world.scanin.services.db, login.rid)).toMatchObject({ status: 'pending', account_id: null, device_id: null });

    expect((await answer(world.scanin, login, world.phone)).status).toBe(200);
    expect((await finish(world.scanin, login)).sub).toBe(world.phone.accountId);
  });

  it('expects the signed-in account on a re-authentication (prompt=login), with no "Forget" while the session lasts', async () => {
    const browser = new TestBrowser();
    const first = await openLoginPage(await discover(world.scanin.issuer), browser);
    await answer(world.scanin, first, world.phone);
    await finish(world.scanin, first);
    // Only the session names the account now.
    browser.dropCookies(COOKIE);
    const login = await openLoginPage(await discover(world.scanin.issuer), browser, { prompt: 'login' });
    const page = await browser.fetch(login.interactionUrl);
    expect(continueAs(page.body)).toEqual(['Test Person', 'alice@example.com']);
    expect(page.body).not.toContain('Forget this account');
    expectError(await answer(world.scanin, login, mallory), 403, 'wrong_account');
    expect((await answer(world.scanin, login, world.phone)).status).toBe(200);
  });

  it('"Use another account" while the browser is still signed in: the engine ends the old session, and the sign-in goes on as the new account', async () => {
    const browser = new TestBrowser();
    const first = await openLoginPage(await discover(world.scanin.issuer), browser);
    await answer(world.scanin, first, world.phone);
    await finish(world.scanin, first);
    const login = await openLoginPage(await discover(world.scanin.issuer), browser, { prompt: 'login' });
    expect((await browser.fetch(`${login.interactionUrl}/another-account`, { method: 'POST' })).status).toBe(303);
    expect((await answer(world.scanin, login, mallory)).status).toBe(200);
    const complete = await browser.fetch(`${login.interactionUrl}/complete`);
    // The engine's own form, which a browser submits by itself, ends Alice's session first. The
    // sign-in it goes on with used to be deleted with her grant ("interaction session not found").
    const { page } = await browser.follow(complete.location!, world.scanin.issuer);
    const xsrf = /action="[^"]+\/session\/end\/confirm"[\s\S]*name="xsrf" value="([^"]+)"/.exec(page.body)!;
    const confirmed = await browser.fetch(`${world.scanin.issuer}/session/end/confirm`, { method: 'POST', form: { xsrf: xsrf[1]!, logout: 'yes' } });
    const { leftTo } = await browser.follow(confirmed.location!, world.scanin.issuer);
    const tokens = await redeem(await discover(world.scanin.issuer), leftTo!, login.auth);
    expect(tokens.claims()!.sub).toBe(mallory.accountId);
  });

  it('"Use another account" lifts the expectation for this sign-in, the code already shown included; then the cookie remembers the new account', async () => {
    const browser = new TestBrowser();
    await signedInBefore(world.scanin, browser, world.phone);
    const oldToken = browser.cookie(COOKIE)!;
    const login = await openLoginPage(await discover(world.scanin.issuer), browser);
    expectError(await answer(world.scanin, login, mallory), 403, 'wrong_account');

    const chose = await browser.fetch(`${login.interactionUrl}/another-account`, { method: 'POST' });
    expect(chose.status).toBe(303);
    expect(chose.location).toBe(login.interactionUrl);
    const page = await browser.fetch(login.interactionUrl);
    expect(continueAs(page.body)).toBeUndefined();
    expect(await publicHint(world.scanin, login.rid)).toBeUndefined();

    expect((await answer(world.scanin, login, mallory)).status).toBe(200);
    const done = await finish(world.scanin, login);
    expect(done.sub).toBe(mallory.accountId);
    // A new token for the new account; the old one is forgotten.
    expect(browser.cookie(COOKIE)).not.toBe(oldToken);
    const stale = new TestBrowser();
    stale.setCookie(COOKIE, oldToken);
    const staleLogin = await openLoginPage(await discover(world.scanin.issuer), stale);
    expect(continueAs((await stale.fetch(staleLogin.interactionUrl)).body)).toBeUndefined();

    browser.dropCookies('_session');
    const next = await openLoginPage(await discover(world.scanin.issuer), browser);
    expect(continueAs((await browser.fetch(next.interactionUrl)).body)).toEqual(['Test Person', 'mallory@example.com']);
  });

  it('"Forget this account" forgets it in the database and the browser; the next sign-in expects no one', async () => {
    const browser = new TestBrowser();
    await signedInBefore(world.scanin, browser, world.phone);
    const token = browser.cookie(COOKIE)!;
    const login = await openLoginPage(await discover(world.scanin.issuer), browser);
    const forgot = await browser.fetch(`${login.interactionUrl}/forget-account`, { method: 'POST' });
    expect(forgot.status).toBe(303);
    expect([forgot.headers['set-cookie']].flat().join('\n')).toMatch(/scanin_account=; path=\/; expires=Thu, 01 Jan 1970/);
    expect(browser.cookie(COOKIE)).toBeUndefined();
    const hash = createHash('sha256').update(token).digest('base64url');
    expect(await world.scanin.services.db('remembered_browsers').where({ token_hash: hash })).toEqual([]);
    expect(await publicHint(world.scanin, login.rid)).toBeUndefined();

    const next = await openLoginPage(await discover(world.scanin.issuer), browser);
    expect(continueAs((await browser.fetch(next.interactionUrl)).body)).toBeUndefined();
    expect((await answer(world.scanin, next, mallory)).status).toBe(200);
  });

  it('leaves a fresh browser alone: no "Continue as", any account may answer', async () => {
    const browser = new TestBrowser();
    const login = await openLoginPage(await discover(world.scanin.issuer), browser);
    expect(continueAs((await browser.fetch(login.interactionUrl)).body)).toBeUndefined();
    expect(await publicHint(world.scanin, login.rid)).toBeUndefined();
    expect((await answer(world.scanin, login, mallory)).status).toBe(200);
  });

  it('ignores a forged or malformed cookie', async () => {
    for (const forged of [Buffer.alloc(32, 7).toString('base64url'), 'x', `${'A'.repeat(43)}.sig`, world.phone.accountId, 'alice@example.com']) {
      const browser = new TestBrowser();
      browser.setCookie(COOKIE, forged);
      const login = await openLoginPage(await discover(world.scanin.issuer), browser);
      expect(continueAs((await browser.fetch(login.interactionUrl)).body), forged).toBeUndefined();
      expect(await publicHint(world.scanin, login.rid)).toBeUndefined();
    }
  });

  it('grants nothing when copied to another browser: that browser still needs Alice’s phone, and is not signed in by it', async () => {
    const owner = new TestBrowser();
    await signedInBefore(world.scanin, owner, world.phone);
    const thief = new TestBrowser();
    thief.setCookie(COOKIE, owner.cookie(COOKIE)!);
    // Straight to the QR page: the cookie is no session, and prompt=none is refused.
    const login = await openLoginPage(await discover(world.scanin.issuer), thief);
    expectError(await answer(world.scanin, login, mallory), 403, 'wrong_account');
    const config = await discover(world.scanin.issuer);
    const silent = await thief.fetch((await authorizationRequest(config, undefined, { prompt: 'none' })).url);
    expect(silent.location).toContain('error=login_required');
  });

  /** Another client holding `browser`'s interaction cookies, sending `headers` as its browser would. */
  function sameSignIn(browser: TestBrowser, login: OpenLogin, headers: Record<string, string>): TestBrowser {
    const other = new TestBrowser(undefined, headers);
    for (const name of ['_interaction', '_interaction.sig']) other.setCookie(name, browser.cookie(name)!, `/interaction/${login.uid}`);
    return other;
  }

  it('refuses "Use another account" from another site or another browser, and the expectation stays', async () => {
    const browser = new TestBrowser();
    await signedInBefore(world.scanin, browser, world.phone);
    const login = await openLoginPage(await discover(world.scanin.issuer), browser);
    const crossSite = sameSignIn(browser, login, { origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' });
    const forged = await crossSite.fetch(`${login.interactionUrl}/another-account`, { method: 'POST' });
    expect(forged.status).toBe(403);
    expect(forged.body).toContain('sent from another site');
    const sibling = sameSignIn(browser, login, { 'sec-fetch-site': 'same-site' });
    expect((await sibling.fetch(`${login.interactionUrl}/another-account`, { method: 'POST' })).status).toBe(403);
    // A page with no-referrer sends Origin: null; Sec-Fetch-Site still says where it came from.
    const opaque = sameSignIn(browser, login, { origin: 'null', 'sec-fetch-site': 'cross-site' });
    expect((await opaque.fetch(`${login.interactionUrl}/another-account`, { method: 'POST' })).status).toBe(403);
    // Without the interaction's cookie (a post from elsewhere carries none): not this sign-in.
    const elsewhere = await new TestBrowser().fetch(`${login.interactionUrl}/another-account`, { method: 'POST' });
    expect(elsewhere.status).toBe(400);
    expect(await publicHint(world.scanin, login.rid)).toBe(accountHint(login.rid, world.phone.accountId));
    expectError(await answer(world.scanin, login, mallory), 403, 'wrong_account');
    // The page's own post, as a browser sends it, is taken.
    const own = sameSignIn(browser, login, { origin: new URL(world.scanin.issuer).origin, 'sec-fetch-site': 'same-origin' });
    expect((await own.fetch(`${login.interactionUrl}/another-account`, { method: 'POST' })).status).toBe(303);
  });

  it('expects no one for a disabled account', async () => {
    const browser = new TestBrowser();
    const carol = await enrollDevice(world.scanin, 'carol@example.com');
    await signedInBefore(world.scanin, browser, carol);
    await world.scanin.services.db('accounts').where({ id: carol.accountId }).update({ disabled_at: world.scanin.services.clock() });
    const login = await openLoginPage(await discover(world.scanin.issuer), browser);
    expect(continueAs((await browser.fetch(login.interactionUrl)).body)).toBeUndefined();
    expect(await publicHint(world.scanin, login.rid)).toBeUndefined();
  });

  it('lets a login_hint win over the browser’s memory, and never names the hinted account on the page', async () => {
    const browser = new TestBrowser();
    await signedInBefore(world.scanin, browser, world.phone);
    const login = await openLoginPage(await discover(world.scanin.issuer), browser, { login_hint: 'mallory@example.com' });
    const page = await browser.fetch(login.interactionUrl);
    expect(continueAs(page.body)).toBeUndefined();
    expect(page.body).not.toContain('Continue as');
    expect(await publicHint(world.scanin, login.rid)).toBe(accountHint(login.rid, mallory.accountId));
    // Nothing on the page lifts what the app asked for.
    await browser.fetch(`${login.interactionUrl}/another-account`, { method: 'POST' });
    expectError(await answer(world.scanin, login, world.phone), 403, 'wrong_account');
  });
});

describe('remembering with REMEMBER_ACCOUNT_DAYS=0', () => {
  const world = useScaninWithPhone({ REMEMBER_ACCOUNT_DAYS: '0' });

  it('sets no cookie and stores nothing', async () => {
    const browser = new TestBrowser();
    const login = await openLoginPage(await discover(world.scanin.issuer), browser);
    await answer(world.scanin, login, world.phone);
    const { setCookie } = await finish(world.scanin, login);
    expect(setCookie.join('\n')).not.toContain(COOKIE);
    expect(await world.scanin.services.db('remembered_browsers')).toEqual([]);
  });
});

describe('under an issuer path (ISSUER=…/sso)', () => {
  let scanin: TestScanin;

  beforeAll(async () => {
    scanin = await startScaninUnderPath('/sso');
  });
  afterAll(async () => {
    await scanin?.close();
  });

  it('scopes the cookie to the path, and the returning browser still expects its account', async () => {
    const alice = await enrollDevice(scanin, 'alice@example.com');
    const mallory = await enrollDevice(scanin, 'mallory@example.com');
    const browser = new TestBrowser();
    const first = await openLoginPage(await discover(scanin.issuer), browser);
    await answer(scanin, first, alice);
    const { setCookie } = await finish(scanin, first);
    expect(setCookie.find((line) => line.startsWith(`${COOKIE}=`))).toContain('; path=/sso;');
    browser.dropCookies('_session');
    const login = await openLoginPage(await discover(scanin.issuer), browser);
    expect(continueAs((await browser.fetch(login.interactionUrl)).body)).toEqual(['Test Person', 'alice@example.com']);
    expectError(await answer(scanin, login, mallory), 403, 'wrong_account');
    expect((await browser.fetch(`${login.interactionUrl}/another-account`, { method: 'POST' })).location).toBe(login.interactionUrl);
    expect((await answer(scanin, login, mallory)).status).toBe(200);
  });
});

describe('two instances on one PostgreSQL', () => {
  let database: TestDatabase;
  let balancer: TestBalancer;
  let a: TestScanin;
  let b: TestScanin;

  beforeAll(async () => {
    database = await createTestDatabase('postgres');
    balancer = await TestBalancer.start(() => `http://127.0.0.1:${a.port}`);
    const env = { DATABASE_URL: database.url, ISSUER: balancer.url };
    a = await startTestScanin({ env });
    b = await startTestScanin({ env });
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await balancer?.close();
    await database?.drop();
  });

  it('remembered on one instance, expected on the other: the surfer is refused there and on the first', async () => {
    const alice = await enrollDevice(a, 'alice@example.com');
    const mallory = await enrollDevice(a, 'mallory@example.com');
    const browser = new TestBrowser();
    await signedInBefore(a, browser, alice);
    // The browser now reaches B; the phones reach A.
    balancer.route = splitRoute(() => `http://127.0.0.1:${b.port}`, () => `http://127.0.0.1:${a.port}`);
    const login = await openLoginPage(await discover(balancer.url), browser);
    expect(continueAs((await browser.fetch(login.interactionUrl)).body)).toEqual(['Test Person', 'alice@example.com']);
    expectError(await answer(a, login, mallory), 403, 'wrong_account');
    await browser.fetch(`${login.interactionUrl}/another-account`, { method: 'POST' });
    expect((await answer(a, login, mallory)).status).toBe(200);
  });
});
