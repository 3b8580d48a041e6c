// What the account page refuses, changing nothing: a form without this session's CSRF token,
// from another site, without a session, with another person's device, malformed or oversized,
// a method other than POST, a disabled account, and more forms than the rate limit allows.
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Authenticator } from '../../src/authenticator/authenticator.ts';
import { disableAccount, enableAccount } from '../../src/accounts/cutOff.ts';
import { findAccountByEmail } from '../../src/store/accounts.ts';
import { findDevice } from '../../src/store/devices.ts';
import { TestBrowser } from '../helpers/browser.ts';
import { enrolledPhone } from '../helpers/login.ts';
import { startTestScanin, type TestScanin } from '../helpers/scanin.ts';
import { csrfOf, enterAccountPage, listed, openAccountSignIn, post } from './accountBrowser.ts';

describe('what the account page refuses', () => {
  let scanin: TestScanin;
  let ada: Authenticator;
  let bob: Authenticator;
  let adaDevice: string;
  let bobDevice: string;

  beforeAll(async () => {
    scanin = await startTestScanin({ env: { RATE_LIMITS: 'account_page_account=40/3600' } });
    ada = await enrolledPhone(scanin, 'ada@example.com', 'ada.json');
    bob = await enrolledPhone(scanin, 'bob@example.com', 'bob.json');
    adaDevice = (await ada.list())[0]!.device_id;
    bobDevice = (await bob.list())[0]!.device_id;
  });
  afterAll(async () => {
    await scanin?.close();
  });

  const deviceName = async (id: string) => (await findDevice(scanin.services.db, id))!.name;

  it('refuses a form without the CSRF token, with a wrong one, or with another session\'s', async () => {
    const { browser, page } = await enterAccountPage(scanin, ada);
    const { page: bobsPage } = await enterAccountPage(scanin, bob);
    const { page: adasOtherPage } = await enterAccountPage(scanin, ada);
    for (const csrf of [null, '', 'wrong', csrfOf(page.body).slice(0, -1), csrfOf(bobsPage.body), csrfOf(adasOtherPage.body)]) {
      const answer = await post(scanin, browser, '/account/devices/rename', { device_id: adaDevice, name: 'Renamed' }, csrf);
      expect(answer.status, String(csrf)).toBe(403);
      expect(answer.body).toContain('did not come from your account page');
    }
    expect(await deviceName(adaDevice)).toBe('Test Phone');
    expect((await post(scanin, browser, '/account/sessions/end-all', {}, 'wrong')).status).toBe(403);
    expect(listed((await browser.fetch(`${scanin.issuer}/account`)).body, 'data-session').length).toBeGreaterThan(1);
  });

  it('refuses a form sent from another site, even with the token', async () => {
    const { browser, page } = await enterAccountPage(scanin, ada);
    const answer = await request(`${scanin.issuer}/account/devices/rename`, {
      method: 'POST',
      headers: { cookie: browser.cookieFor(`${scanin.issuer}/account`), origin: 'https://evil.example', 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' },
      body: new URLSearchParams({ csrf: csrfOf(page.body), device_id: adaDevice, name: 'Evil' }).toString(),
    });
    expect(answer.statusCode).toBe(403);
    await answer.body.text();
    expect(await deviceName(adaDevice)).toBe('Test Phone');
  });

  it("refuses another person's device, to rename or to revoke, and changes nothing", async () => {
    const { browser, page } = await enterAccountPage(scanin, ada);
    const csrf = csrfOf(page.body);
    for (const id of [bobDevice, 'no-such-device']) {
      const renamed = await post(scanin, browser, '/account/devices/rename', { device_id: id, name: 'Mine now' }, csrf);
      expect(renamed.status).toBe(404);
      expect(renamed.body).toContain('Your account has no such device. Nothing was changed.');
      expect(renamed.body).toContain('<h1>Not found on your account</h1>');
      expect((await post(scanin, browser, '/account/devices/revoke', { device_id: id }, csrf)).status).toBe(404);
    }
    expect(await findDevice(scanin.services.db, bobDevice)).toMatchObject({ name: 'Test Phone', status: 'active' });
    // Bob can still sign in with it.
    await enterAccountPage(scanin, bob);
  });

  it('refuses a form posted without a session, on a page that says nothing was changed', async () => {
    const answer = await post(scanin, new TestBrowser(), '/account/devices/revoke', { device_id: adaDevice }, 'anything');
    expect(answer.status).toBe(401);
    expect(answer.body).toContain('nothing was changed');
    expect((await findDevice(scanin.services.db, adaDevice))!.status).toBe('active');
  });

  it('refuses malformed and oversized forms with 400 or 413, and GET on an action with 405', async () => {
    const { browser, page } = await enterAccountPage(scanin, ada);
    const csrf = csrfOf(page.body);
    const cookie = browser.cookieFor(`${scanin.issuer}/account`);
    const raw = async (body: string | Buffer, type = 'application/x-www-form-urlencoded') => {
      const answer = await request(`${scanin.issuer}/account/devices/rename`, { method: 'POST', headers: { cookie, 'content-type': type, accept: 'text/html' }, body });
      await answer.body.text();
      return answer.statusCode;
    };
    const form = (fields: string) => `csrf=${encodeURIComponent(csrf)}&${fields}`;
    expect(await raw(form('device_id=x&device_id=y&name=Two'))).toBe(400);
    expect(await raw(form(`device_id=${adaDevice}`))).toBe(400);
    expect(await raw(form('name=No+device'))).toBe(400);
    expect(await raw(form(`device_id=${'x'.repeat(300)}&name=Long`))).toBe(400);
    expect(await raw(Buffer.concat([Buffer.from(form(`device_id=${adaDevice}&name=`)), Buffer.from([0xff, 0xfe])]))).toBe(400);
    expect(await raw(JSON.stringify({ csrf, device_id: adaDevice, name: 'Json' }), 'application/json')).toBe(400);
    expect(await raw(form(`device_id=${adaDevice}&name=${'a'.repeat(9000)}`))).toBe(413);
    expect(await deviceName(adaDevice)).toBe('Test Phone');
    const get = await browser.fetch(`${scanin.issuer}/account/devices/revoke`);
    expect(get.status).toBe(405);
    expect(get.headers.allow).toBe('POST');
    expect((await browser.fetch(`${scanin.issuer}/account/nothing-here`)).status).toBe(404);
  });

  it('refuses a disabled account, even in a browser still signed in, and lets it back once enabled', async () => {
    const carol = await enrolledPhone(scanin, 'carol@example.com', 'carol.json');
    const carolId = (await findAccountByEmail(scanin.services.db, 'carol@example.com'))!.id;
    const { browser, page } = await enterAccountPage(scanin, carol);
    // Disabled behind the page's back (as if the disabling raced the session): the page refuses.
    await scanin.services.db('accounts').where({ id: carolId }).update({ disabled_at: scanin.services.clock() });
    const shown = await browser.fetch(`${scanin.issuer}/account`);
    expect(shown.status).toBe(403);
    expect(shown.body).toContain('<h1>This account is disabled</h1>');
    expect((await post(scanin, browser, '/account/sessions/end-all', {}, csrfOf(page.body))).status).toBe(403);
    // Disabled properly: the session is gone, and signing in again is refused at the phone.
    await disableAccount(scanin.services.db, scanin.services.clock, carolId);
    const step = await openAccountSignIn(scanin, browser);
    await expect(carol.answer(step.qrUrl, 'approve')).rejects.toMatchObject({ error: 'account_disabled' });
    await enableAccount(scanin.services.db, carolId);
    await enterAccountPage(scanin, carol);
  });

  it('counts forms against the account_page_account rate limit', async () => {
    const dan = await enrolledPhone(scanin, 'dan@example.com', 'dan.json');
    const danDevice = (await dan.list())[0]!.device_id;
    const { browser, page } = await enterAccountPage(scanin, dan);
    const csrf = csrfOf(page.body);
    const statuses: number[] = [];
    for (let i = 0; i < 41; i++) statuses.push((await post(scanin, browser, '/account/devices/rename', { device_id: danDevice, name: `Name ${i}` }, csrf)).status);
    expect(statuses.slice(0, 40).every((status) => status === 303)).toBe(true);
    expect(statuses[40]).toBe(429);
    const refused = await post(scanin, browser, '/account/devices/rename', { device_id: danDevice, name: 'Too many' }, csrf);
    expect(refused.status).toBe(429);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    expect(refused.body).toContain('Too many changes: please wait a moment');
    expect(refused.body).toContain('id="back-to-account"');
    expect(await deviceName(danDevice)).toBe('Name 39');
  });
});
