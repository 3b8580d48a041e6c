// Adding a device from the account page, end to end over HTTP: a browser signed in to /account
// (QR login with Joe's phone) shows an add-device code; the reference authenticator enrolls from
// it as "Joe's iPad" and waits; the page's event stream says so at once and the page asks "Joe's
// iPad — is this yours?" with its key type; the iPad is refused (403 device_pending) until Confirm;
// then its status call says `active` and its QR login reaches the app. And what the page refuses,
// changing nothing: "No, remove it" then Confirm, CSRF, another person's session, no session, a
// confirmation after the time ran out, concurrent confirmations, malformed and oversized forms.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listAudit } from '../../src/audit/audit.ts';
import { Authenticator } from '../../src/authenticator/authenticator.ts';
import { findAccountByEmail } from '../../src/store/accounts.ts';
import { findDevice } from '../../src/store/devices.ts';
import { currentAddDeviceEnrollment } from '../../src/store/enrollments.ts';
import type { Page, TestBrowser } from '../helpers/browser.ts';
import { startDeviceTestScanin, type DeviceTestScanin } from '../helpers/device.ts';
import { completeLogin, enrolledPhone, openLoginPage } from '../helpers/login.ts';
import { discover, redeem } from '../helpers/rp.ts';
import { EventStream } from '../helpers/sse.ts';
import { csrfOf, enterAccountPage, post } from './accountBrowser.ts';

const PAGE = '/account/add-device';

/** What the add-device page shows, read as a person (or a test) reads it. */
function readPage(page: Page) {
  const html = page.body;
  const text = (id: string) => new RegExp(`id="${id}"[^>]*>([^<]*)<`).exec(html)?.[1]?.replaceAll('&#39;', "'");
  return {
    key: /data-key="([^"]+)"/.exec(html)?.[1],
    status: /data-status="([^"]+)"/.exec(html)?.[1],
    url: /id="qr-link" href="([^"]+)"/.exec(html)?.[1],
    question: text('question'),
    keyType: text('key-type'),
    deviceId: /name="device_id" value="([^"]+)"/.exec(html)?.[1],
  };
}

describe('adding a device from the account page', () => {
  let scanin: DeviceTestScanin;
  let joe: Authenticator;
  let bob: Authenticator;
  let joeId: string;
  let ipadCount = 0;

  beforeAll(async () => {
    scanin = await startDeviceTestScanin({ ADD_DEVICE_TTL: '120' });
    joe = await enrolledPhone(scanin, 'joe@example.com', 'joe.json');
    bob = await enrolledPhone(scanin, 'bob@example.com', 'bob.json');
    joeId = (await findAccountByEmail(scanin.services.db, 'joe@example.com'))!.id;
  });
  afterAll(async () => {
    scanin?.clock.release();
    await scanin?.close();
  });

  /** Joe's signed-in browser, with a fresh add-device code shown: the page and its CSRF token. */
  async function showCode(signedIn?: { browser: TestBrowser; page: Page }) {
    const { browser, page: accountPage } = signedIn ?? (await enterAccountPage(scanin, joe));
    const csrf = csrfOf(accountPage.body);
    const started = await post(scanin, browser, PAGE, {}, csrf);
    expect(started.status, started.body.slice(0, 300)).toBe(303);
    expect(started.location).toBe(`${scanin.issuer}${PAGE}`);
    const page = await browser.fetch(started.location!);
    expect(page.status).toBe(200);
    return { browser, csrf, page, shown: readPage(page) };
  }

  function newIpad(): Authenticator {
    ipadCount += 1;
    return new Authenticator({ keysFile: join(scanin.dir, `ipad-${ipadCount}.json`), now: () => scanin.services.clock() * 1000 });
  }

  function openStream(browser: TestBrowser): Promise<EventStream> {
    const url = `${scanin.issuer}${PAGE}/events`;
    return EventStream.open(url, { cookie: browser.cookieFor(url), 'user-agent': browser.userAgent });
  }

  it('code → the iPad enrolls → the stream tells the page at once → "Joe\'s iPad — is this yours?" → refused before Confirm → Confirm → active, and its login reaches the app', async () => {
    const { browser, csrf, page, shown } = await showCode();
    expect(shown.status).toBe('pending');
    expect(shown.url).toMatch(new RegExp(`^${scanin.issuer}/e/[A-Za-z0-9_-]{22}$`));
    expect(page.headers['cache-control']).toBe('no-store');
    const csp = String(page.headers['content-security-policy']);
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    expect(page.body).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    // The eid is in the QR code and its link only, never in the page's own URLs.
    const eid = shown.url!.split('/').pop()!;
    expect(page.body.split(eid).length - 1).toBe(1);

    const stream = await openStream(browser);
    expect(stream.status).toBe(200);
    expect(await stream.next()).toEqual({ type: 'state', data: { key: shown.key, status: 'pending' } });

    const ipad = newIpad();
    const enrolled = await ipad.enroll(shown.url!, { deviceName: "Joe's iPad" });
    expect(enrolled.status).toBe('pending_confirmation');
    const told = await stream.next();
    expect(told).toMatchObject({ type: 'state', data: { status: 'enrolled' } });

    const asking = readPage(await browser.fetch(`${scanin.issuer}${PAGE}`));
    expect(asking).toMatchObject({ key: (told.data as { key: string }).key, status: 'enrolled', question: "Joe's iPad — is this yours?", keyType: 'ECDSA P-256 (ES256)', deviceId: enrolled.device_id });
    const account = await browser.fetch(`${scanin.issuer}/account`);
    expect(account.body).toContain('Joe&#39;s iPad is waiting for your confirmation');

    const config = await discover(scanin.issuer);
    const early = await openLoginPage(config);
    await expect(ipad.answer(early.qrUrl, 'approve')).rejects.toMatchObject({ status: 403, error: 'device_pending' });

    const confirmed = await post(scanin, browser, `${PAGE}/confirm`, { device_id: enrolled.device_id }, csrf);
    expect(confirmed.status).toBe(303);
    expect(await stream.next()).toMatchObject({ type: 'state', data: { status: 'confirmed' } });
    await expect(stream.next()).rejects.toThrow('the event stream ended');
    expect((await browser.fetch(`${scanin.issuer}${PAGE}`)).body).toContain('is confirmed: it can sign you in now');
    expect(await ipad.deviceStatus(scanin.issuer)).toMatchObject({ status: 'active' });

    const login = await openLoginPage(config);
    expect((await ipad.answer(login.qrUrl, 'approve')).status).toBe('approved');
    expect((await redeem(config, await completeLogin(scanin, login), login.auth)).claims()!.sub).toBe(joeId);

    // The enrollment cannot be used again by anyone.
    await expect(newIpad().enroll(shown.url!, { deviceName: 'Replay' })).rejects.toMatchObject({ status: 409, error: 'already_answered' });
    const audit = (await listAudit(scanin.services.db, { accountId: joeId })).filter((entry) => entry.device_id === enrolled.device_id).map((entry) => entry.event);
    expect(audit).toEqual(['enrollment', 'device.confirmed', 'login.approved']);
  });

  it('the device learns at once: its waiting status call answers `active` when the page confirms', async () => {
    const { browser, csrf, shown } = await showCode();
    const ipad = newIpad();
    const { device_id } = await ipad.enroll(shown.url!, { deviceName: 'Waiting iPad' });
    const before = scanin.services.streams.size;
    const waiting = ipad.waitForConfirmation(scanin.issuer, device_id);
    while (scanin.services.streams.size <= before) await new Promise((resolve) => setTimeout(resolve, 10));
    expect((await post(scanin, browser, `${PAGE}/confirm`, { device_id }, csrf)).status).toBe(303);
    expect(await waiting).toMatchObject({ device_id, status: 'active', confirm_by: null });
  });

  it('a waiting device revoked from the devices list is told device_revoked at once, and the page is woken', async () => {
    const { browser, csrf, shown } = await showCode();
    const ipad = newIpad();
    const { device_id } = await ipad.enroll(shown.url!, { deviceName: 'Revoked While Waiting' });
    const stream = await openStream(browser);
    const waitingState = await stream.next();
    expect(waitingState).toMatchObject({ type: 'state', data: { status: 'enrolled' } });
    const before = scanin.services.streams.size;
    const waiting = ipad.waitForConfirmation(scanin.issuer, device_id).then(() => null, (error: unknown) => error);
    while (scanin.services.streams.size <= before) await new Promise((resolve) => setTimeout(resolve, 10));

    expect((await post(scanin, browser, '/account/devices/revoke', { device_id }, csrf)).status).toBe(303);
    // Its status call waits up to 30 s for news: this answer is the wake-up, not the time running out.
    expect(await waiting).toMatchObject({ status: 403, error: 'device_revoked' });
    expect(await stream.next(5_000)).toMatchObject({ type: 'state', data: { status: 'removed' } });
    stream.close();
  });

  it('"No, remove it" revokes the device: it is told device_revoked, and a later Confirm gets 409 and changes nothing', async () => {
    const { browser, csrf, shown } = await showCode();
    const ipad = newIpad();
    const { device_id } = await ipad.enroll(shown.url!, { deviceName: 'Stranger Phone' });
    expect((await post(scanin, browser, `${PAGE}/reject`, { device_id }, csrf)).status).toBe(303);
    expect((await browser.fetch(`${scanin.issuer}${PAGE}`)).body).toContain('was removed: it can never sign in');
    const late = await post(scanin, browser, `${PAGE}/confirm`, { device_id }, csrf);
    expect(late.status).toBe(409);
    expect(late.body).toContain('This device was already removed. Nothing was changed.');
    expect((await findDevice(scanin.services.db, device_id))!.status).toBe('revoked');
    await expect(ipad.deviceStatus(scanin.issuer, { deviceId: device_id })).rejects.toMatchObject({ status: 403, error: 'device_revoked' });
  });

  it('refuses a form without this session\'s CSRF token, from another site, or without a session: nothing is started or confirmed', async () => {
    const { browser, csrf, shown } = await showCode();
    const { device_id } = await newIpad().enroll(shown.url!, { deviceName: 'CSRF iPad' });
    const { page: otherJoePage } = await enterAccountPage(scanin, joe);
    const before = await currentAddDeviceEnrollment(scanin.services.db, joeId);
    for (const token of [null, '', 'wrong', csrf.slice(0, -1), csrfOf(otherJoePage.body)]) {
      for (const [path, form] of [[`${PAGE}/confirm`, { device_id }], [`${PAGE}/reject`, { device_id }], [PAGE, {}]] as const) {
        const answer = await post(scanin, browser, path, form, token);
        expect(answer.status, `${path} ${String(token)}`).toBe(403);
      }
    }
    const fromElsewhere = await fetch(`${scanin.issuer}${PAGE}/confirm`, {
      method: 'POST',
      headers: { cookie: browser.cookieFor(`${scanin.issuer}${PAGE}`), origin: 'https://evil.example', 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' },
      body: new URLSearchParams({ csrf, device_id }).toString(),
    });
    expect(fromElsewhere.status).toBe(403);
    const signedOut = await fetch(`${scanin.issuer}${PAGE}/confirm`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' }, body: new URLSearchParams({ csrf, device_id }).toString() });
    expect(signedOut.status).toBe(401);
    expect((await findDevice(scanin.services.db, device_id))!.status).toBe('pending_confirmation');
    expect((await currentAddDeviceEnrollment(scanin.services.db, joeId))!.eid).toBe(before!.eid);
    // The rightful Confirm still works afterwards.
    expect((await post(scanin, browser, `${PAGE}/confirm`, { device_id }, csrf)).status).toBe(303);
  });

  it("another person's session cannot see, confirm or remove Joe's waiting device", async () => {
    const { shown } = await showCode();
    const { device_id } = await newIpad().enroll(shown.url!, { deviceName: "Joe's Tablet" });
    const { browser: bobs, page: bobsPage } = await enterAccountPage(scanin, bob);
    const bobCsrf = csrfOf(bobsPage.body);
    expect(bobsPage.body).not.toContain("Joe&#39;s Tablet");
    for (const action of ['confirm', 'reject']) {
      const answer = await post(scanin, bobs, `${PAGE}/${action}`, { device_id }, bobCsrf);
      expect(answer.status).toBe(404);
      expect(answer.body).toContain('Your account has no device added with this id. Nothing was changed.');
    }
    expect((await findDevice(scanin.services.db, device_id))!.status).toBe('pending_confirmation');
    const page = await bobs.fetch(`${scanin.issuer}${PAGE}`);
    expect(readPage(page).status).toBe('none');
    expect(page.body).not.toContain("Joe&#39;s Tablet");
    const status = await bobs.fetch(`${scanin.issuer}${PAGE}/status`, { accept: 'application/json' });
    expect(JSON.parse(status.body)).toEqual({ key: 'none', status: 'none' });
  });

  it('a Confirm after the time to confirm ran out changes nothing (409); the page, its status and its stream say the device was removed', async () => {
    const { browser, csrf, shown } = await showCode();
    const { device_id } = await newIpad().enroll(shown.url!, { deviceName: 'Slow iPad' });
    const confirmBy = (await findDevice(scanin.services.db, device_id))!.confirm_by!;
    scanin.clock.freeze(confirmBy);
    try {
      const late = await post(scanin, browser, `${PAGE}/confirm`, { device_id }, csrf);
      expect(late.status).toBe(409);
      expect(late.body).toContain('The time to confirm this device is over: it was removed. Nothing was changed.');
      const status = await browser.fetch(`${scanin.issuer}${PAGE}/status`, { accept: 'application/json' });
      expect(JSON.parse(status.body)).toMatchObject({ status: 'expired', device: { device_id, name: 'Slow iPad' } });
      // The page's stream says so and ends: nothing waits any more.
      const stream = await openStream(browser);
      expect(await stream.next()).toMatchObject({ type: 'state', data: { status: 'expired' } });
      await expect(stream.next()).rejects.toThrow('the event stream ended');
    } finally {
      scanin.clock.release();
    }
    // That Confirm changed nothing: the device still waits (for the sweeper, now that the clock is back).
    expect((await findDevice(scanin.services.db, device_id))!.status).toBe('pending_confirmation');
  });

  it('of five concurrent Confirms from the page exactly one is 303, the others 409; one audit entry', async () => {
    const { browser, csrf, shown } = await showCode();
    const { device_id } = await newIpad().enroll(shown.url!, { deviceName: 'Busy iPad' });
    const answers = await Promise.all(Array.from({ length: 5 }, () => post(scanin, browser, `${PAGE}/confirm`, { device_id }, csrf)));
    expect(answers.map((answer) => answer.status).sort()).toEqual([303, 409, 409, 409, 409]);
    const audit = (await listAudit(scanin.services.db, { accountId: joeId })).filter((entry) => entry.device_id === device_id && entry.event === 'device.confirmed');
    expect(audit).toHaveLength(1);
  });

  it('refuses malformed and oversized forms and other methods, changing nothing', async () => {
    const { browser, csrf, shown } = await showCode();
    const { device_id } = await newIpad().enroll(shown.url!, { deviceName: 'Form iPad' });
    for (const form of [{} as Record<string, string>, { device_id: '' }, { device_id: 'not a device id!' }, { device_id: 'x'.repeat(65) }]) {
      expect((await post(scanin, browser, `${PAGE}/confirm`, form, csrf)).status, JSON.stringify(form)).toBe(400);
    }
    expect((await post(scanin, browser, `${PAGE}/confirm`, { device_id, pad: 'x'.repeat(9000) }, csrf)).status).toBe(413);
    const put = await fetch(`${scanin.issuer}${PAGE}/confirm`, { method: 'PUT', headers: { cookie: browser.cookieFor(`${scanin.issuer}${PAGE}`), accept: 'text/html' } });
    expect(put.status).toBe(405);
    expect((await findDevice(scanin.services.db, device_id))!.status).toBe('pending_confirmation');
  });
});
