// Consent: first-party clients never ask; a third-party client asks once per person and client,
// and the answer is remembered across browser sessions.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Authenticator } from '../../src/authenticator/authenticator.ts';
import { TestBrowser, type Page } from '../helpers/browser.ts';
import { enrolledPhone, openLoginPage, type OpenLogin } from '../helpers/login.ts';
import { discover, redeem } from '../helpers/rp.ts';
import { startTestScanin, THIRD_PARTY_CLIENT, THIRD_PARTY_SECRET, type TestScanin } from '../helpers/scanin.ts';

describe('consent', () => {
  let scanin: TestScanin;
  let phone: Authenticator;

  beforeAll(async () => {
    scanin = await startTestScanin();
    phone = await enrolledPhone(scanin, 'dana@example.com');
  });
  afterAll(async () => {
    await scanin?.close();
  });

  async function approvedLogin(browser = new TestBrowser()) {
    const config = await discover(scanin.issuer, THIRD_PARTY_CLIENT, THIRD_PARTY_SECRET);
    const login = await openLoginPage(config, browser);
    await phone.answer(login.qrUrl, 'approve');
    const after = await login.browser.follow(`${login.interactionUrl}/complete`, scanin.issuer);
    return { config, login, after };
  }

  /** Answers the consent page, which is an interaction of its own after the login one. */
  async function decide(login: OpenLogin, consentPage: Page, action: 'confirm' | 'abort') {
    expect(consentPage.url).toMatch(/\/interaction\/[\w-]+$/);
    const posted = await login.browser.fetch(`${consentPage.url}/${action}`, { method: 'POST' });
    expect(posted.status).toBe(303);
    return login.browser.follow(posted.location!, scanin.issuer);
  }

  it('asks a third-party client for consent, naming the client, the account and what it wants', async () => {
    const { after } = await approvedLogin();
    expect(after.leftTo).toBeUndefined();
    expect(after.page.status).toBe(200);
    expect(after.page.body).toContain('<title>Allow Third Party App · Scanin</title>');
    expect(after.page.body).toContain('Third Party App wants to know who you are');
    expect(after.page.body).toContain('dana@example.com');
    expect(after.page.body).toContain('Your email address');
    expect(after.page.body).toContain('Your name');
  });

  it('remembers consent per person and client: a new browser session is not asked again', async () => {
    const first = await approvedLogin();
    const { leftTo } = await decide(first.login, first.after.page, 'confirm');
    const tokens = await redeem(first.config, leftTo!, first.login.auth);
    expect(tokens.claims()!.email).toBe('dana@example.com');

    const second = await approvedLogin(new TestBrowser());
    expect(second.after.leftTo).toContain('code=');
    expect((await redeem(second.config, second.after.leftTo!, second.login.auth)).claims()!.amr).toEqual(['pop']);
  });

  it('returns access_denied to the app when the person refuses', async () => {
    const scanin2 = await startTestScanin();
    try {
      const phone2 = await enrolledPhone(scanin2, 'erin@example.com');
      const config = await discover(scanin2.issuer, THIRD_PARTY_CLIENT, THIRD_PARTY_SECRET);
      const login = await openLoginPage(config);
      await phone2.answer(login.qrUrl, 'approve');
      const after = await login.browser.follow(`${login.interactionUrl}/complete`, scanin2.issuer);
      expect(after.page.body).toContain('wants to know who you are');
      const posted = await login.browser.fetch(`${after.page.url}/abort`, { method: 'POST' });
      const { leftTo } = await login.browser.follow(posted.location!, scanin2.issuer);
      expect(new URL(leftTo!).searchParams.get('error')).toBe('access_denied');
    } finally {
      await scanin2.close();
    }
  });
});
