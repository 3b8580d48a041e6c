// The account page's devices: listed with name, key type, added, last used and last address;
// renamed under the enrollment name rules; revoked through the same cut-off as `scanin revoke`,
// which signs out the browsers the device signed in (this one too) and refuses its answers, once
// even when two browsers revoke it at the same moment.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Authenticator, DeviceApiError } from '../../src/authenticator/authenticator.ts';
import { listAudit } from '../../src/audit/audit.ts';
import { findAccountByEmail } from '../../src/store/accounts.ts';
import { findDevice } from '../../src/store/devices.ts';
import { TestBrowser } from '../helpers/browser.ts';
import { enrolledPhone, inviteUrl } from '../helpers/login.ts';
import { startTestScanin, type TestScanin } from '../helpers/scanin.ts';
import { csrfOf, enterAccountPage, listed, openAccountSignIn, post } from './accountBrowser.ts';

describe('devices on the account page', () => {
  let scanin: TestScanin;
  let phone: Authenticator;
  let phoneId: string;
  let tabletId: string;

  beforeAll(async () => {
    scanin = await startTestScanin();
    phone = await enrolledPhone(scanin, 'ada@example.com');
    phoneId = (await phone.list())[0]!.device_id;
    // A second device of the same person, another key type, never used to sign in.
    tabletId = (await phone.enroll(await inviteUrl(scanin, 'ada@example.com'), { deviceName: 'Tablet', alg: 'EdDSA' })).device_id;
  });
  afterAll(async () => {
    await scanin?.close();
  });

  const deviceBlock = (html: string, id: string) => {
    const start = html.indexOf(`data-device-id="${id}"`);
    return html.slice(start, html.indexOf('</li>', start));
  };

  it('lists each device with its name, key type, when added, when last used and from where', async () => {
    const { page } = await enterAccountPage(scanin, phone, { deviceId: phoneId });
    expect(listed(page.body, 'data-device-id')).toEqual([phoneId, tabletId]);
    const used = deviceBlock(page.body, phoneId);
    expect(used).toContain('Test Phone');
    expect(used).toContain('signed in this browser');
    expect(used).toContain('ECDSA P-256 (ES256)');
    expect(used).toMatch(/data-field="last-used"><time datetime="[^"]+Z" title="[^"]+ UTC" data-relative>just now</);
    expect(used).toContain('data-field="last-ip">127.0.0.1 <span class="muted">(Local network)</span><');
    const unused = deviceBlock(page.body, tabletId);
    expect(unused).toContain('Tablet');
    expect(unused).toContain('Ed25519 (EdDSA)');
    expect(unused).toContain('data-field="last-used">never<');
    expect(unused).not.toContain('signed in this browser');
  });

  it('renames a device, trimmed, and audits it', async () => {
    const { browser, page } = await enterAccountPage(scanin, phone, { deviceId: phoneId });
    const answer = await post(scanin, browser, '/account/devices/rename', { device_id: tabletId, name: '  Kitchen tablet \u00a0' }, csrfOf(page.body));
    expect(answer.status).toBe(303);
    expect(answer.location).toBe(`${scanin.issuer}/account?done=renamed#devices`);
    expect((await findDevice(scanin.services.db, tabletId))!.name).toBe('Kitchen tablet');
    const after = await browser.fetch(answer.location!);
    expect(after.body).toContain('The device was renamed.');
    expect(deviceBlock(after.body, tabletId)).toContain('Kitchen tablet');
    const account = (await findAccountByEmail(scanin.services.db, 'ada@example.com'))!;
    const entry = (await listAudit(scanin.services.db, { accountId: account.id })).find((e) => e.event === 'device.renamed');
    expect(entry).toMatchObject({ device_id: tabletId, ip: '127.0.0.1', detail: { by: 'account', name: 'Kitchen tablet' } });
  });

  it('refuses a name the enrollment rules refuse, on a readable page, and keeps the old one', async () => {
    const { browser, page } = await enterAccountPage(scanin, phone, { deviceId: phoneId });
    const csrf = csrfOf(page.body);
    const before = (await findDevice(scanin.services.db, tabletId))!.name;
    for (const name of ['', '   ', 'x'.repeat(65), 'evil\u202Egnp.exe', 'two\nlines', 'zero\u200bwidth']) {
      const answer = await post(scanin, browser, '/account/devices/rename', { device_id: tabletId, name }, csrf);
      expect(answer.status, JSON.stringify(name)).toBe(400);
      expect(answer.headers['content-type']).toContain('text/html');
      expect(answer.body).toContain('A device name must be 1 to 64 characters');
    }
    expect((await findDevice(scanin.services.db, tabletId))!.name).toBe(before);
    expect((await post(scanin, browser, '/account/devices/rename', { device_id: tabletId, name: 'x'.repeat(64) }, csrf)).status).toBe(303);
  });

  it('revokes a device: the browsers it signed in are signed out and its answers are refused; this browser stays', async () => {
    // A second browser, signed in by the tablet.
    const { browser: tabletBrowser } = await enterAccountPage(scanin, phone, { deviceId: tabletId });
    const { browser, page } = await enterAccountPage(scanin, phone, { deviceId: phoneId });
    expect(listed(page.body, 'data-session').length).toBeGreaterThanOrEqual(2);
    const answer = await post(scanin, browser, '/account/devices/revoke', { device_id: tabletId }, csrfOf(page.body));
    expect(answer.status).toBe(303);
    expect(answer.location).toBe(`${scanin.issuer}/account?done=device_revoked#devices`);
    expect((await findDevice(scanin.services.db, tabletId))!.status).toBe('revoked');
    // The tablet's browser must sign in again; the tablet cannot.
    const again = await tabletBrowser.fetch(`${scanin.issuer}/account`);
    expect(again.status).toBe(303);
    expect(again.location).toContain('/account/login');
    const step = await openAccountSignIn(scanin, new TestBrowser());
    const refused = await phone.answer(step.qrUrl, 'approve', { deviceId: tabletId }).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(DeviceApiError);
    expect((refused as DeviceApiError).error).toBe('device_revoked');
    // This browser, signed in by the phone, still sees the page, the tablet among revoked devices.
    const after = await browser.fetch(answer.location!);
    expect(after.status).toBe(200);
    expect(listed(after.body, 'data-device-id')).toEqual([phoneId, tabletId]);
    expect(after.body).toMatch(/id="revoked-devices"[\s\S]*data-device-id="[^"]+"/);
    const audit = await listAudit(scanin.services.db, {});
    expect(audit.find((e) => e.event === 'device.revoked' && e.device_id === tabletId)).toMatchObject({ detail: { by: 'account' } });
    // Revoking it again: nothing left to revoke.
    expect((await post(scanin, browser, '/account/devices/revoke', { device_id: tabletId }, csrfOf(after.body))).status).toBe(404);
    expect((await post(scanin, browser, '/account/devices/rename', { device_id: tabletId, name: 'Back' }, csrfOf(after.body))).status).toBe(404);
  });

  it('revoking the device that signed this browser in signs this browser out too', async () => {
    const solo = new Authenticator({ keysFile: join(scanin.dir, 'solo.json') });
    await solo.enroll(await inviteUrl(scanin, 'solo@example.com'), { deviceName: 'Only phone' });
    const soloId = (await solo.list())[0]!.device_id;
    const { browser, page } = await enterAccountPage(scanin, solo);
    const answer = await post(scanin, browser, '/account/devices/revoke', { device_id: soloId }, csrfOf(page.body));
    expect(answer.status).toBe(200);
    expect(answer.body).toContain('This browser was signed in with it, so it is signed out too.');
    const again = await browser.fetch(`${scanin.issuer}/account`);
    expect(again.status).toBe(303);
    expect(again.location).toContain('/account/login');
  });

  it('revokes a device once when two browsers revoke it at the same moment', async () => {
    const { device_id: spare } = await phone.enroll(await inviteUrl(scanin, 'ada@example.com'), { deviceName: 'Spare' });
    const browsers = [await enterAccountPage(scanin, phone, { deviceId: phoneId }), await enterAccountPage(scanin, phone, { deviceId: phoneId })];
    const statuses = (await Promise.all(browsers.map(({ browser, page }) => post(scanin, browser, '/account/devices/revoke', { device_id: spare }, csrfOf(page.body))))).map((answer) => answer.status).sort();
    expect(statuses).toEqual([303, 404]);
    const entries = (await listAudit(scanin.services.db, {})).filter((entry) => entry.event === 'device.revoked' && entry.device_id === spare);
    expect(entries).toHaveLength(1);
  });

  it('never brings back a device when a rename races its revocation', async () => {
    const { device_id: spare } = await phone.enroll(await inviteUrl(scanin, 'ada@example.com'), { deviceName: 'Racer' });
    const { browser, page } = await enterAccountPage(scanin, phone, { deviceId: phoneId });
    const csrf = csrfOf(page.body);
    await Promise.all([
      post(scanin, browser, '/account/devices/rename', { device_id: spare, name: 'Renamed' }, csrf),
      post(scanin, browser, '/account/devices/revoke', { device_id: spare }, csrf),
    ]);
    expect((await findDevice(scanin.services.db, spare))!.status).toBe('revoked');
  });
});
