// Races on the account page: the same sign-in code sent twice at once gets in once; the same
// device revoked from two browsers at once is revoked once (one 303, one 404, one audit entry);
// a rename racing a revoke never brings the device back.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Authenticator } from '../../src/authenticator/authenticator.ts';
import { listAudit } from '../../src/audit/audit.ts';
import { findDevice } from '../../src/store/devices.ts';
import { TestBrowser } from '../helpers/browser.ts';
import { enrolledPhone, inviteUrl } from '../helpers/login.ts';
import { startTestScanin, type TestScanin } from '../helpers/scanin.ts';
import { csrfOf, enterAccountPage, openAccountSignIn, post } from './accountBrowser.ts';

describe('account page races', () => {
  let scanin: TestScanin;
  let phone: Authenticator;

  beforeAll(async () => {
    scanin = await startTestScanin();
    phone = await enrolledPhone(scanin, 'ada@example.com');
  });
  afterAll(async () => {
    await scanin?.close();
  });

  it('lets the same callback in once when it arrives twice at the same moment', async () => {
    for (let round = 0; round < 5; round++) {
      const browser = new TestBrowser();
      const step = await openAccountSignIn(scanin, browser);
      await phone.answer(step.qrUrl, 'approve');
      let page = await browser.fetch(`${step.interactionUrl}/complete`);
      while (page.location && !page.location.includes('/account/callback')) page = await browser.fetch(page.location);
      const statuses = (await Promise.all([browser.fetch(page.location!), browser.fetch(page.location!)])).map((answer) => answer.status).sort();
      expect(statuses).toEqual([303, 400]);
    }
  });

  it('revokes a device once when two browsers revoke it at the same moment', async () => {
    const { device_id: spare } = await phone.enroll(await inviteUrl(scanin, 'ada@example.com'), { deviceName: 'Spare' });
    const [first, second] = [await enterAccountPage(scanin, phone, { deviceId: (await phone.list())[0]!.device_id }), await enterAccountPage(scanin, phone, { deviceId: (await phone.list())[0]!.device_id })];
    const statuses = (await Promise.all([first, second].map(({ browser, page }) => post(scanin, browser, '/account/devices/revoke', { device_id: spare }, csrfOf(page.body))))).map((answer) => answer.status).sort();
    expect(statuses).toEqual([303, 404]);
    const entries = (await listAudit(scanin.services.db, {})).filter((entry) => entry.event === 'device.revoked' && entry.device_id === spare);
    expect(entries).toHaveLength(1);
  });

  it('never brings back a device when a rename races its revocation', async () => {
    const { device_id: spare } = await phone.enroll(await inviteUrl(scanin, 'ada@example.com'), { deviceName: 'Racer' });
    const { browser, page } = await enterAccountPage(scanin, phone, { deviceId: (await phone.list())[0]!.device_id });
    const csrf = csrfOf(page.body);
    await Promise.all([
      post(scanin, browser, '/account/devices/rename', { device_id: spare, name: 'Renamed' }, csrf),
      post(scanin, browser, '/account/devices/revoke', { device_id: spare }, csrf),
    ]);
    expect((await findDevice(scanin.services.db, spare))!.status).toBe('revoked');
  });
});
