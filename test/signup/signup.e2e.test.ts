// Sign-up by QR, as a relying party (openid-client), a browser (cookie jar) and a phone (the
// reference authenticator) see it: the sign-in page's link → the form → the enrollment QR →
// the phone enrolls → `enrolled` on the event stream → the app gets an ID token for the new
// account; and the refusals (existing email, SIGNUP=off, other domain, replay, expiry).
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Authenticator } from '../../src/authenticator/authenticator.ts';
import { listAudit } from '../../src/audit/audit.ts';
import { findAccountByEmail } from '../../src/store/accounts.ts';
import { TestBrowser } from '../helpers/browser.ts';
import { startDeviceTestScanin, type DeviceTestScanin } from '../helpers/device.ts';
import { completeLogin, enrolledPhone, openEvents, openLoginPage, type OpenLogin } from '../helpers/login.ts';
import { discover, redeem } from '../helpers/rp.ts';
import { freePort, startTestScanin, type TestScanin } from '../helpers/scanin.ts';

const ENROLL_URL = /href="(https?:\/\/[^"]+\/e\/[^"]+)"/;

async function signupForm(login: OpenLogin, form: Record<string, string>) {
  return login.browser.fetch(`${login.interactionUrl}/signup`, { method: 'POST', form });
}

/** The sign-in page → the form → the QR page: the enrollment URL the page shows. */
async function startSignup(login: OpenLogin, email: string, name = 'New Person'): Promise<string> {
  const page = await login.browser.fetch(login.interactionUrl);
  const link = /id="signup-link" href="([^"]+)"/.exec(page.body)?.[1];
  expect(link).toBe(`${new URL(login.interactionUrl).pathname}/signup`);
  const form = await login.browser.fetch(new URL(link!, login.interactionUrl).href);
  expect(form.status).toBe(200);
  const posted = await signupForm(login, { email, name });
  expect(posted.status).toBe(303);
  const qrPage = await login.browser.fetch(posted.location!);
  expect(qrPage.status).toBe(200);
  return ENROLL_URL.exec(qrPage.body)![1]!.replaceAll('&amp;', '&');
}

/** `complete_url`: the new account's recovery codes, once (test/recovery), then "continue" goes on to the app. */
async function finishSignup(login: OpenLogin, completeUrl: string, issuer: string): Promise<string> {
  const codes = await login.browser.fetch(completeUrl);
  expect(codes.status).toBe(200);
  expect(codes.body).toContain('id="recovery-codes"');
  const next = /id="continue" href="([^"]+)"/.exec(codes.body)![1]!;
  const { leftTo } = await login.browser.follow(new URL(next, issuer).href, issuer);
  return leftTo!;
}

describe('sign-up by QR (SIGNUP=open)', () => {
  let scanin: DeviceTestScanin;
  let phone: Authenticator;

  beforeAll(async () => {
    scanin = await startDeviceTestScanin({ SIGNUP: 'open' });
    await enrolledPhone(scanin, 'taken@example.com', 'taken.json');
    phone = new Authenticator({ keysFile: join(scanin.dir, 'new-phone.json') });
  });
  afterAll(async () => {
    await scanin?.close();
  });

  it('creates the account when the phone enrolls, signs it in, and a later QR login works', async () => {
    const config = await discover(scanin.issuer);
    const login = await openLoginPage(config);
    const eurl = await startSignup(login, 'newbie@example.com', 'Newbie Person');
    const events = await openEvents(login);
    expect((await phone.enroll(eurl, { deviceName: 'New Phone' })).sub).toEqual(expect.any(String));
    let event = await events.next();
    while (event.type !== 'enrolled') event = await events.next();
    expect(event.data).toEqual({ complete_url: `${new URL(login.interactionUrl).pathname}/signup/complete` });
    events.close();

    const leftTo = await finishSignup(login, new URL((event.data as { complete_url: string }).complete_url, scanin.issuer).href, scanin.issuer);
    const tokens = await redeem(config, leftTo, login.auth);
    const claims = tokens.claims()!;
    expect(claims.email).toBe('newbie@example.com');
    expect(claims.name).toBe('Newbie Person');
    const userinfo = await (await fetch(`${scanin.issuer}/me`, { headers: { authorization: `Bearer ${tokens.access_token}` } })).json();
    expect(userinfo.email_verified).toBe(false);
    const audit = await listAudit(scanin.services.db, { accountId: claims.sub });
    expect(audit.map((entry) => entry.event)).toEqual(expect.arrayContaining(['signup.started', 'enrollment']));

    // The replayed /complete signs nobody in again.
    const replay = await login.browser.fetch(new URL((event.data as { complete_url: string }).complete_url, scanin.issuer).href);
    expect(replay.location ?? '').not.toContain('code=');

    // A later sign-in by QR in a new browser.
    const again = await openLoginPage(config, new TestBrowser());
    expect((await phone.answer(again.qrUrl, 'approve')).status).toBe('approved');
    const second = await redeem(config, await completeLogin(scanin, again), again.auth);
    expect(second.claims()!.sub).toBe(claims.sub);
  });

  it('refuses an email that belongs to an account, without saying whose, and keeps it unchanged', async () => {
    const before = await findAccountByEmail(scanin.services.db, 'taken@example.com');
    const login = await openLoginPage(await discover(scanin.issuer));
    const answer = await signupForm(login, { email: 'Taken@Example.com', name: 'Intruder' });
    expect(answer.status).toBe(400);
    expect(answer.body).toContain('This email cannot be used to sign up.');
    expect(answer.body).not.toContain('Test Person');
    expect(await findAccountByEmail(scanin.services.db, 'taken@example.com')).toEqual(before);
  });

  it('refuses a malformed email and a name that fails the invite check', async () => {
    const login = await openLoginPage(await discover(scanin.issuer));
    expect((await signupForm(login, { email: 'not-an-email', name: 'Someone' })).status).toBe(400);
    expect((await signupForm(login, { email: 'ok@example.com', name: '' })).status).toBe(400);
    expect(await findAccountByEmail(scanin.services.db, 'ok@example.com')).toBeUndefined();
  });

  it('refuses a replayed enrollment', async () => {
    const login = await openLoginPage(await discover(scanin.issuer));
    const eurl = await startSignup(login, 'replay@example.com');
    await new Authenticator({ keysFile: join(scanin.dir, 'replay-1.json') }).enroll(eurl);
    await expect(new Authenticator({ keysFile: join(scanin.dir, 'replay-2.json') }).enroll(eurl)).rejects.toThrow(/already_answered|already/);
  });

  it('refuses an expired enrollment, keeps no usable account, and frees the email for a new sign-up', async () => {
    const login = await openLoginPage(await discover(scanin.issuer));
    const eurl = await startSignup(login, 'late@example.com');
    const account = await findAccountByEmail(scanin.services.db, 'late@example.com');
    scanin.clock.freeze(scanin.clock.now() + 3600);
    try {
      await expect(new Authenticator({ keysFile: join(scanin.dir, 'late.json') }).enroll(eurl)).rejects.toThrow(/expired/);
      expect(await scanin.services.db('devices').where({ account_id: account!.id }).first()).toBeUndefined();
    } finally {
      scanin.clock.release();
    }
    // The same email may sign up again from another sign-in once that one has expired.
    scanin.clock.freeze(scanin.clock.now() + 3600);
    try {
      const other = await openLoginPage(await discover(scanin.issuer), new TestBrowser());
      expect((await signupForm(other, { email: 'late@example.com', name: 'Late Again' })).status).toBe(303);
      expect((await findAccountByEmail(scanin.services.db, 'late@example.com'))!.id).not.toBe(account!.id);
    } finally {
      scanin.clock.release();
    }
  });
});

describe.each([
  ['off', undefined],
  ['domain:example.org', 'example.org'],
])('sign-up with SIGNUP=%s', (signup, domain) => {
  let scanin: TestScanin;
  beforeAll(async () => {
    // Under an issuer with a path: every link and the enrollment URL carry it.
    const port = await freePort();
    scanin = await startTestScanin({ env: { SIGNUP: signup, PORT: String(port), ISSUER: `http://127.0.0.1:${port}/sso` } });
  });
  afterAll(async () => {
    await scanin?.close();
  });

  it('refuses what the policy does not allow with a readable page, creating nothing', async () => {
    const login = await openLoginPage(await discover(scanin.issuer));
    const page = await login.browser.fetch(login.interactionUrl);
    expect(scanin.issuer).toMatch(/\/sso$/);
    const answer = await signupForm(login, { email: 'who@example.com', name: 'Who' });
    if (domain) {
      expect(page.body).toContain('Create an account');
      expect(answer.status).toBe(400);
      expect(answer.body).toContain('only for addresses at example.org');
      const eurl = await startSignup(login, 'who@example.org', 'Who');
      expect(eurl.startsWith(`${scanin.issuer}/e/`)).toBe(true);
      await new Authenticator({ keysFile: join(scanin.dir, 'who.json') }).enroll(eurl);
      const status = JSON.parse((await login.browser.fetch(`${login.interactionUrl}/signup/status`, { accept: 'application/json' })).body);
      expect(status).toEqual({ status: 'enrolled', complete_url: `/sso/interaction/${login.uid}/signup/complete` });
      const leftTo = await finishSignup(login, new URL(status.complete_url, scanin.issuer).href, scanin.issuer);
      const tokens = await redeem(await discover(scanin.issuer), leftTo, login.auth);
      expect(tokens.claims()!.email).toBe('who@example.org');
    } else {
      expect(page.body).not.toContain('Create an account');
      expect(answer.status).toBe(403);
      expect(answer.headers['content-type']).toContain('text/html');
      expect(answer.body).toContain('Sign-up is not available here');
      expect((await login.browser.fetch(`${login.interactionUrl}/signup`)).status).toBe(403);
    }
    expect(await findAccountByEmail(scanin.services.db, 'who@example.com')).toBeUndefined();
  });
});
