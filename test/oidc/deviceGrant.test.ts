// The device authorization grant (RFC 8628): a TV or a command-line tool shows a code; the person
// types it on Scanin's page (/activate) in a browser, confirms, and signs in there by QR code; the tool's
// polling then gets the tokens.
import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Authenticator } from '../../src/authenticator/authenticator.ts';
import { TestBrowser, readLoginPage, type Page } from '../helpers/browser.ts';
import { revokeDeviceEverywhere } from '../../src/accounts/cutOff.ts';
import { enrolledPhone } from '../helpers/login.ts';
import { discover } from '../helpers/rp.ts';
import { startTestScanin, type TestScanin } from '../helpers/scanin.ts';

const DEVICE_CODE = 'urn:ietf:params:oauth:grant-type:device_code';

describe('the device authorization grant', () => {
  let scanin: TestScanin;
  let phone: Authenticator;
  let tv: oidc.Configuration;

  beforeAll(async () => {
    scanin = await startTestScanin({
      clients: [
        { client_id: 'tv', client_name: 'Lobby TV', first_party: true, token_endpoint_auth_method: 'none', grant_types: [DEVICE_CODE, 'refresh_token'] },
        { client_id: 'staff-tv', client_name: 'Staff Room TV', first_party: true, token_endpoint_auth_method: 'none', grant_types: [DEVICE_CODE], allowed_groups: ['staff'] },
      ],
    });
    phone = await enrolledPhone(scanin, 'hal@example.com', 'hal.json');
    tv = await discover(scanin.issuer, 'tv');
  });
  afterAll(async () => {
    await scanin?.close();
  });

  function field(page: Page, name: string): string {
    return new RegExp(`name="${name}" value="([^"]+)"`).exec(page.body)![1]!;
  }

  function formAction(page: Page): string {
    return /<form method="post" action="([^"]+)">/.exec(page.body)![1]!;
  }

  async function typeCode(browser: TestBrowser, userCode: string): Promise<Page> {
    const page = await browser.fetch(`${scanin.issuer}/activate`);
    expect(page.status).toBe(200);
    expect(page.body).toContain('Connect a device');
    return browser.fetch(formAction(page), { method: 'POST', form: { xsrf: field(page, 'xsrf'), user_code: userCode } });
  }

  it('signs the TV in: code typed, confirmed, QR scanned, tokens polled', async () => {
    const started = await oidc.initiateDeviceAuthorization(tv, { scope: 'openid email' });
    expect(started.verification_uri).toBe(`${scanin.issuer}/activate`);
    expect(started.user_code).toMatch(/^[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}$/);
    await expect(oidc.genericGrantRequest(tv, DEVICE_CODE, { device_code: started.device_code })).rejects.toMatchObject({ error: 'authorization_pending' });

    const browser = new TestBrowser();
    // People type codes in lower case, without the dash.
    const confirm = await typeCode(browser, started.user_code.replace('-', '').toLowerCase());
    expect(confirm.status).toBe(200);
    expect(confirm.body).toContain('Sign in to Lobby TV on your device?');
    expect(confirm.body).toContain(started.user_code);
    expect(confirm.body).not.toMatch(/<script|<style|\sstyle=|\son\w+=|https?:\/\/(?!127\.0\.0\.1)/);

    const confirmed = await browser.fetch(formAction(confirm), {
      method: 'POST',
      form: { xsrf: field(confirm, 'xsrf'), user_code: field(confirm, 'user_code'), confirm: 'yes' },
    });
    const { page: qrPage } = await browser.follow(confirmed.location!, scanin.issuer);
    expect(qrPage.body).toContain('Sign in to Lobby TV');
    await phone.answer(readLoginPage(qrPage.body).qrUrl, 'approve');

    const { page: done, leftTo } = await browser.follow(`${qrPage.url}/complete`, scanin.issuer);
    expect(leftTo).toBeUndefined();
    expect(done.status).toBe(200);
    expect(done.body).toContain('Your device is signed in');

    const tokens = await oidc.genericGrantRequest(tv, DEVICE_CODE, { device_code: started.device_code });
    expect(tokens.claims()).toMatchObject({ email: 'hal@example.com', aud: 'tv', amr: ['pop'] });
    await expect(oidc.genericGrantRequest(tv, DEVICE_CODE, { device_code: started.device_code })).rejects.toMatchObject({ error: 'invalid_grant' });
  });

  it("refuses someone outside a TV's allowed_groups after the phone approved: the page says so, the TV's poll gets access_denied", async () => {
    const staffTv = await discover(scanin.issuer, 'staff-tv');
    const started = await oidc.initiateDeviceAuthorization(staffTv, { scope: 'openid' });
    const browser = new TestBrowser();
    const confirm = await typeCode(browser, started.user_code);
    const confirmed = await browser.fetch(formAction(confirm), { method: 'POST', form: { xsrf: field(confirm, 'xsrf'), user_code: field(confirm, 'user_code'), confirm: 'yes' } });
    const { page: qrPage } = await browser.follow(confirmed.location!, scanin.issuer);
    await phone.answer(readLoginPage(qrPage.body).qrUrl, 'approve');
    const { page: refused } = await browser.follow(`${qrPage.url}/complete`, scanin.issuer);
    expect(refused.status).toBe(403);
    expect(refused.body).toContain("You don't have access to Staff Room TV — ask your administrator.");
    const back = /id="back-to-app" href="([^"]+)"/.exec(refused.body)![1]!.replaceAll('&amp;', '&');
    const { page: ended, leftTo } = await browser.follow(back, scanin.issuer);
    expect(leftTo).toBeUndefined();
    expect(ended.body).not.toContain('Your device is signed in');
    await expect(oidc.genericGrantRequest(staffTv, DEVICE_CODE, { device_code: started.device_code })).rejects.toMatchObject({ error: 'access_denied' });
  });

  it('says what is wrong with a mistyped code, and the right one still works after', async () => {
    const started = await oidc.initiateDeviceAuthorization(tv, { scope: 'openid' });
    const browser = new TestBrowser();
    const wrong = await typeCode(browser, 'BBBB-BBBB');
    expect(wrong.body).toContain('That code is not right');
    const empty = await typeCode(browser, '');
    expect(empty.body).toContain('Type the code your device shows');
    const confirm = await typeCode(browser, started.user_code);
    expect(confirm.body).toContain('Sign in to Lobby TV on your device?');
  });

  it('cancelling on the confirmation page denies the TV', async () => {
    const started = await oidc.initiateDeviceAuthorization(tv, { scope: 'openid' });
    const browser = new TestBrowser();
    const confirm = await typeCode(browser, started.user_code);
    const aborted = await browser.fetch(formAction(confirm), { method: 'POST', form: { xsrf: field(confirm, 'xsrf'), user_code: field(confirm, 'user_code'), abort: 'yes' } });
    expect(aborted.body).toContain('The sign-in was cancelled');
    await expect(oidc.genericGrantRequest(tv, DEVICE_CODE, { device_code: started.device_code })).rejects.toMatchObject({ error: 'access_denied' });
    // The code is spent: typing it again is refused.
    const again = await typeCode(browser, started.user_code);
    expect(again.body).toContain('already used');
  });

  it('a revocation between the approval and the session it makes: a readable page, and the TV gets no tokens', async () => {
    const revoked = await enrolledPhone(scanin, 'ida@example.com', 'ida.json');
    const started = await oidc.initiateDeviceAuthorization(tv, { scope: 'openid' });
    const browser = new TestBrowser();
    const confirm = await typeCode(browser, started.user_code);
    const confirmed = await browser.fetch(formAction(confirm), {
      method: 'POST',
      form: { xsrf: field(confirm, 'xsrf'), user_code: field(confirm, 'user_code'), confirm: 'yes' },
    });
    const { page: qrPage } = await browser.follow(confirmed.location!, scanin.issuer);
    await revoked.answer(readLoginPage(qrPage.body).qrUrl, 'approve');
    // /complete accepts the approval and hands the browser back to the engine, which stores the session.
    const completed = await browser.fetch(`${qrPage.url}/complete`);
    expect(completed.status).toBe(303);
    await revokeDeviceEverywhere(scanin.services.db, scanin.services.clock, (await revoked.list())[0]!.device_id);
    const { page, leftTo } = await browser.follow(completed.location!, scanin.issuer);
    // Our page, not the engine's bare "access_denied" text: there is no app to send the person back to.
    expect(leftTo).toBeUndefined();
    expect(page.status).toBe(400);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.headers['cache-control']).toBe('no-store');
    expect(page.headers['content-security-policy']).toContain("default-src 'none'");
    expect(page.body).toContain('<h1>This sign-in was refused</h1>');
    expect(page.body).toContain('The phone that approved this sign-in can no longer sign in (this device was revoked). Start the sign-in again.');
    await expect(oidc.genericGrantRequest(tv, DEVICE_CODE, { device_code: started.device_code })).rejects.toMatchObject({ error: 'invalid_grant' });
  });
});
