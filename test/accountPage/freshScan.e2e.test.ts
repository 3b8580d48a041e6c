// A fresh scan before the account page's sensitive actions (src/accountPage/freshScan.ts): when
// the last QR approval on this browser is older than ACCOUNT_FRESH_SCAN, revoking a device,
// removing an app's access, starting and confirming an added device are refused (nothing
// changes) and the browser is sent through a new QR sign-in of the account page's client
// (prompt=login, for this account only), back to the section the form was in; pressing again
// then works. Another account's phone cannot answer that re-scan. Renaming and signing out work
// on a stale session; a fresh session acts without scanning again.
import { createHmac } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listAudit } from '../../src/audit/audit.ts';
import { Authenticator } from '../../src/authenticator/authenticator.ts';
import { findAccountByEmail } from '../../src/store/accounts.ts';
import { findDevice } from '../../src/store/devices.ts';
import { currentAddDeviceEnrollment } from '../../src/store/enrollments.ts';
import { findLoginRequest } from '../../src/store/loginRequests.ts';
import { answerLogin, enrollDevice, expectError, loginAssertion, type TestDevice } from '../helpers/device.ts';
import type { Page, TestBrowser } from '../helpers/browser.ts';
import { completeLogin, enrolledPhone, openLoginPage } from '../helpers/login.ts';
import { discover } from '../helpers/rp.ts';
import { PUBLIC_CLIENT, startTestScanin, type TestScanin } from '../helpers/scanin.ts';
import { ageSignIns, csrfOf, enterAccountPage, finishSignIn, FRESH_SCAN_NOTE, freshScanLocation, listed, openAccountSignIn, post } from './accountBrowser.ts';

const WINDOW = 300;

describe('a fresh scan before sensitive account-page actions', () => {
  let scanin: TestScanin;
  let joe: Authenticator;
  let bob: Authenticator;
  let joeId: string;
  let joeDevice: string;
  let mallory: TestDevice;

  beforeAll(async () => {
    scanin = await startTestScanin({ env: { ACCOUNT_FRESH_SCAN: String(WINDOW) } });
    joe = await enrolledPhone(scanin, 'joe@example.com', 'joe.json');
    bob = await enrolledPhone(scanin, 'bob@example.com', 'bob.json');
    joeId = (await findAccountByEmail(scanin.services.db, 'joe@example.com'))!.id;
    joeDevice = (await joe.list())[0]!.device_id;
    mallory = await enrollDevice(scanin, 'mallory@example.com');
  });
  afterAll(async () => {
    await scanin?.close();
  });

  let spare = 0;
  /** Another device of Joe's, enrolled through the add-device flow on a fresh session. */
  async function addSpareDevice(): Promise<string> {
    const { browser, page } = await enterAccountPage(scanin, joe, { deviceId: joeDevice });
    const csrf = csrfOf(page.body);
    const { enrollment, deviceId } = await enrollPending(browser, csrf);
    expect(enrollment).toBeDefined();
    expect((await post(scanin, browser, '/account/add-device/confirm', { device_id: deviceId }, csrf)).status).toBe(303);
    return deviceId;
  }

  async function enrollPending(browser: TestBrowser, csrf: string) {
    expect((await post(scanin, browser, '/account/add-device', {}, csrf)).status).toBe(303);
    const enrollment = await currentAddDeviceEnrollment(scanin.services.db, joeId);
    spare += 1;
    const device = new Authenticator({ keysFile: join(scanin.dir, `spare-${spare}.json`) });
    const enrolled = await device.enroll(`${scanin.issuer}/e/${enrollment!.eid}`, { deviceName: `Spare ${spare}` });
    return { enrollment, deviceId: enrolled.device_id };
  }

  /** Joe's browser on the account page, signed in by his first phone, its sign-in made `age` seconds old. */
  async function staleSession(age = WINDOW + 60): Promise<{ browser: TestBrowser; csrf: string }> {
    const { browser, page } = await enterAccountPage(scanin, joe, { deviceId: joeDevice });
    await ageSignIns(scanin, joeId, age);
    return { browser, csrf: csrfOf(page.body) };
  }

  /** An app Joe signed in to (the first-party test app), so that the page lists it. */
  async function signInToApp(): Promise<void> {
    const login = await openLoginPage(await discover(scanin.issuer));
    await joe.answer(login.qrUrl, 'approve', { deviceId: joeDevice });
    await completeLogin(scanin, login);
  }

  /** The re-scan a stale form was sent to: follows it to the QR page (prompt=login, naming Joe). */
  async function openRescan(browser: TestBrowser, sent: Page) {
    const authUrl = (await browser.fetch(sent.location!)).location!;
    const params = new URL(authUrl).searchParams;
    expect(params.get('client_id')).toBe('scanin-account');
    expect(params.get('prompt')).toBe('login');
    expect(params.get('login_hint')).toBe('joe@example.com');
    return openAccountSignIn(scanin, browser, sent.location!.slice(scanin.issuer.length));
  }

  it('shows the note, refuses each sensitive action on a stale session with a re-scan, changing nothing', async () => {
    const spareDevice = await addSpareDevice();
    await signInToApp();
    const { browser, csrf } = await staleSession();
    const page = await browser.fetch(`${scanin.issuer}/account`);
    expect(page.status).toBe(200);
    // Under "Revoke", "Remove access" and "Add a device" (and recovery codes): said before pressing.
    expect(page.body.split(FRESH_SCAN_NOTE).length - 1).toBeGreaterThanOrEqual(4);
    expect(listed(page.body, 'data-client-id')).toContain(PUBLIC_CLIENT);
    const before = (await listAudit(scanin.services.db, { accountId: joeId })).length;

    const revoke = await post(scanin, browser, '/account/devices/revoke', { device_id: spareDevice }, csrf);
    expect(revoke.status).toBe(303);
    expect(revoke.location).toBe(freshScanLocation(scanin, '/account#devices'));
    expect((await findDevice(scanin.services.db, spareDevice))!.status).toBe('active');

    const app = await post(scanin, browser, '/account/apps/revoke', { client_id: PUBLIC_CLIENT }, csrf);
    expect(app.location).toBe(freshScanLocation(scanin, '/account#apps'));
    expect(listed((await browser.fetch(`${scanin.issuer}/account`)).body, 'data-client-id')).toContain(PUBLIC_CLIENT);

    const openBefore = await currentAddDeviceEnrollment(scanin.services.db, joeId);
    const start = await post(scanin, browser, '/account/add-device', {}, csrf);
    expect(start.location).toBe(freshScanLocation(scanin, '/account/add-device'));
    expect((await currentAddDeviceEnrollment(scanin.services.db, joeId))?.eid).toBe(openBefore?.eid);

    const recovery = await post(scanin, browser, '/account/recovery-codes', {}, csrf);
    expect(recovery.location).toBe(freshScanLocation(scanin, '/account#recovery'));
    expect(recovery.body).not.toMatch(/[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}/);

    // Nothing was done, so nothing was audited.
    expect((await listAudit(scanin.services.db, { accountId: joeId })).length).toBe(before);
  });

  it('refuses confirming an added device on a stale session; after the re-scan, Confirm works', async () => {
    const { browser, page } = await enterAccountPage(scanin, joe, { deviceId: joeDevice });
    const csrf = csrfOf(page.body);
    const { deviceId } = await enrollPending(browser, csrf);
    await ageSignIns(scanin, joeId, WINDOW + 1);
    expect((await browser.fetch(`${scanin.issuer}/account/add-device`)).body).toContain(FRESH_SCAN_NOTE);

    const refused = await post(scanin, browser, '/account/add-device/confirm', { device_id: deviceId }, csrf);
    expect(refused.status).toBe(303);
    expect(refused.location).toBe(freshScanLocation(scanin, '/account/add-device'));
    expect((await findDevice(scanin.services.db, deviceId))!.status).toBe('pending_confirmation');

    const step = await openRescan(browser, refused);
    await joe.answer(step.qrUrl, 'approve', { deviceId: joeDevice });
    const back = await finishSignIn(scanin, step);
    expect(back.url).toBe(`${scanin.issuer}/account/add-device`);
    expect(back.body).toContain('is this yours?');
    expect(back.body).not.toContain(FRESH_SCAN_NOTE);

    // The same form, pressed again (the same session, so the same CSRF token).
    expect((await post(scanin, browser, '/account/add-device/confirm', { device_id: deviceId }, csrf)).status).toBe(303);
    expect((await findDevice(scanin.services.db, deviceId))!.status).toBe('active');
    const signIns = (await listAudit(scanin.services.db, { accountId: joeId })).filter((entry) => entry.event === 'account_page.signed_in');
    expect(signIns.at(-1)!.detail).toEqual({ fresh_scan: true });
  });

  it('after the re-scan the browser comes back to the section and revoking works; its session is the same one', async () => {
    const spareDevice = await addSpareDevice();
    const { browser, csrf } = await staleSession();
    const sessionsBefore = listed((await browser.fetch(`${scanin.issuer}/account`)).body, 'data-session');
    const refused = await post(scanin, browser, '/account/devices/revoke', { device_id: spareDevice }, csrf);
    const step = await openRescan(browser, refused);
    await joe.answer(step.qrUrl, 'approve', { deviceId: joeDevice });
    const back = await finishSignIn(scanin, step);
    expect(back.status).toBe(200);
    expect(back.url).toBe(`${scanin.issuer}/account#devices`);
    expect(listed(back.body, 'data-session')).toEqual(sessionsBefore);

    const revoked = await post(scanin, browser, '/account/devices/revoke', { device_id: spareDevice }, csrf);
    expect(revoked.status).toBe(303);
    expect(revoked.location).toBe(`${scanin.issuer}/account?done=device_revoked#devices`);
    expect((await findDevice(scanin.services.db, spareDevice))!.status).toBe('revoked');
  });

  it("refuses a re-scan approved by another account's phone (403 wrong_account); the session stays stale and the action refused", async () => {
    const spareDevice = await addSpareDevice();
    const { browser, csrf } = await staleSession();
    const refused = await post(scanin, browser, '/account/devices/revoke', { device_id: spareDevice }, csrf);
    const step = await openRescan(browser, refused);
    // Bob's reference app sees the request names another account and does not answer; a phone
    // that answers anyway (Mallory's, signing by hand) is refused by the server.
    await expect(bob.answer(step.qrUrl, 'approve')).rejects.toThrow('this sign-in is for another account');
    const request = (await findLoginRequest(scanin.services.db, step.rid))!;
    expectError(await answerLogin(scanin, step.rid, loginAssertion(scanin, mallory, { rid: step.rid, challenge: request.challenge })), 403, 'wrong_account');
    // Read by Bob's app (scanned), answered by nobody.
    expect(await findLoginRequest(scanin.services.db, step.rid)).toMatchObject({ status: 'scanned', account_id: null, device_id: null });
    // Finishing now gets no sign-in: the QR page is still waiting.
    const waiting = await finishSignIn(scanin, step);
    expect(waiting.url).toContain('/interaction/');

    const again = await post(scanin, browser, '/account/devices/revoke', { device_id: spareDevice }, csrf);
    expect(again.location).toBe(freshScanLocation(scanin, '/account#devices'));
    expect((await findDevice(scanin.services.db, spareDevice))!.status).toBe('active');
    const page = await browser.fetch(`${scanin.issuer}/account`);
    expect(page.body).toContain('joe@example.com');
    expect(page.body).not.toContain('bob@example.com');
  });

  it('a fresh session acts at once; /account/login?fresh=1 on it goes straight back', async () => {
    const spareDevice = await addSpareDevice();
    const { browser, page } = await enterAccountPage(scanin, joe, { deviceId: joeDevice });
    expect(page.body).not.toContain(FRESH_SCAN_NOTE);
    const back = await browser.fetch(freshScanLocation(scanin, '/account#devices'));
    expect(back.location).toBe(`${scanin.issuer}/account#devices`);
    const revoked = await post(scanin, browser, '/account/devices/revoke', { device_id: spareDevice }, csrfOf(page.body));
    expect(revoked.location).toBe(`${scanin.issuer}/account?done=device_revoked#devices`);
    expect((await findDevice(scanin.services.db, spareDevice))!.status).toBe('revoked');
  });

  it('a stale session still renames, rejects an added device, and signs out one browser or everywhere', async () => {
    const { browser: other } = await staleSession();
    const { browser, page } = await enterAccountPage(scanin, joe, { deviceId: joeDevice });
    const csrf = csrfOf(page.body);
    const { deviceId } = await enrollPending(browser, csrf);
    await ageSignIns(scanin, joeId, WINDOW + 60);

    expect((await post(scanin, browser, '/account/devices/rename', { device_id: joeDevice, name: 'Old phone' }, csrf)).location).toBe(`${scanin.issuer}/account?done=renamed#devices`);
    expect((await findDevice(scanin.services.db, joeDevice))!.name).toBe('Old phone');
    expect((await post(scanin, browser, '/account/add-device/reject', { device_id: deviceId }, csrf)).status).toBe(303);
    expect((await findDevice(scanin.services.db, deviceId))!.status).toBe('revoked');

    // This browser is listed first; any other is a browser of Joe's signed in earlier.
    const [, someoneElse] = listed((await browser.fetch(`${scanin.issuer}/account`)).body, 'data-session');
    expect((await post(scanin, browser, '/account/sessions/end', { session: someoneElse! }, csrf)).location).toBe(`${scanin.issuer}/account?done=session_ended#sessions`);
    const all = await post(scanin, browser, '/account/sessions/end-all', {}, csrf);
    expect(all.status).toBe(200);
    expect(all.body).toContain('You signed out everywhere');
    expect((await other.fetch(`${scanin.issuer}/account`)).status).toBe(303);
  });

  it('checks the form before asking for a scan: a stale session with a wrong token gets 403, not a sign-in', async () => {
    const { browser, csrf } = await staleSession();
    for (const token of [null, 'wrong', csrf.slice(0, -1)]) {
      const answer = await post(scanin, browser, '/account/recovery-codes', {}, token);
      expect(answer.status, String(token)).toBe(403);
      expect(answer.location).toBeUndefined();
    }
  });

  it('a fresh-scan link in a browser without a session is an ordinary sign-in, back to the section', async () => {
    const step = await openAccountSignIn(scanin, undefined, '/account/login?fresh=1&return_to=%2Faccount%23apps');
    await joe.answer(step.qrUrl, 'approve', { deviceId: joeDevice });
    const page = await finishSignIn(scanin, step);
    expect(page.url).toBe(`${scanin.issuer}/account#apps`);
    expect(page.body).not.toContain(FRESH_SCAN_NOTE);
  });

  it("refuses at the callback a fresh scan that comes back for another account than the one that asked (its signed cookie names it)", async () => {
    const bobId = (await findAccountByEmail(scanin.services.db, 'bob@example.com'))!.id;
    const { browser, page } = await enterAccountPage(scanin, bob);
    await ageSignIns(scanin, bobId, WINDOW + 1);
    const refused = await post(scanin, browser, '/account/recovery-codes', {}, csrfOf(page.body));
    const step = await openAccountSignIn(scanin, browser, refused.location!.slice(scanin.issuer.length));
    // The pending sign-in, re-signed with the server's own cookie keys to name Joe as the account
    // that asked: nothing outside the server can do this, so it stands for a session that changed
    // hands in between. (The cookies library signs "name=value" with HMAC-SHA1, base64url.)
    const name = 'scanin_account_login';
    const fields = browser.cookie(name)!.split(' ');
    expect(fields[3]).toBe(bobId);
    const value = [...fields.slice(0, 3), joeId].join(' ');
    const key = (scanin.services.provider.keys as string[])[0]!;
    const sig = createHmac('sha1', key).update(`${name}=${value}`).digest('base64').replace(/\//g, '_').replace(/\+/g, '-').replace(/=+$/, '');
    browser.setCookie(name, value, '/account/callback');
    browser.setCookie(`${name}.sig`, sig, '/account/callback');
    await bob.answer(step.qrUrl, 'approve');
    const answer = await finishSignIn(scanin, step);
    expect(answer.status).toBe(400);
    expect(answer.body).toContain('This sign-in could not be completed');
    const signIns = (await listAudit(scanin.services.db, { accountId: bobId })).filter((entry) => entry.event === 'account_page.signed_in');
    expect(signIns.at(-1)!.detail).toBeNull();
  });
});
