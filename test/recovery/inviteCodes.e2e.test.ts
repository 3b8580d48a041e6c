// The first recovery codes after an invite opened on a computer: the invite's page (/e/:eid)
// waits for the phone, then shows the ten codes once, to that browser only, within 15 minutes of
// the enrollment, and only if the account has none yet. Another browser, a reload, a late
// visit or a replacement invite for an account that has codes gets no codes and makes none.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Authenticator } from '../../src/authenticator/authenticator.ts';
import { regenerateRecoveryCodes } from '../../src/recovery/recovery.ts';
import { findAccountByEmail } from '../../src/store/accounts.ts';
import { TestBrowser } from '../helpers/browser.ts';
import { startDeviceTestScanin, type DeviceTestScanin } from '../helpers/device.ts';
import { inviteUrl, openLoginPage } from '../helpers/login.ts';
import { discover } from '../helpers/rp.ts';

const CODE = /<code>([0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4})<\/code>/g;
const codesOn = (html: string) => [...html.matchAll(CODE)].map((match) => match[1]!);

describe('recovery codes on the invite page', () => {
  let scanin: DeviceTestScanin;
  let phones = 0;
  const newPhone = () => new Authenticator({ keysFile: join(scanin.dir, `invite-phone-${++phones}.json`) });

  beforeAll(async () => {
    scanin = await startDeviceTestScanin();
  });
  afterAll(async () => {
    await scanin?.close();
  });

  const setOf = async (email: string) => {
    const account = (await findAccountByEmail(scanin.services.db, email))!;
    return scanin.services.db('recovery_codes').where({ account_id: account.id }).orderBy('slot');
  };

  /** The invite's page in `browser`, then the phone enrolls: the URL the page goes on to. */
  async function watchAndEnroll(email: string, browser: TestBrowser): Promise<{ eurl: string; nextUrl: string }> {
    const eurl = await inviteUrl(scanin, email);
    const page = await browser.fetch(eurl);
    expect(page.status).toBe(200);
    expect(page.body).toContain('id="invite-watch"');
    const statusUrl = `${eurl}/status`;
    expect(JSON.parse((await browser.fetch(statusUrl, { accept: 'application/json' })).body)).toEqual({ status: 'pending' });
    await newPhone().enroll(eurl);
    const status = JSON.parse((await browser.fetch(statusUrl, { accept: 'application/json' })).body);
    expect(status).toEqual({ status: 'enrolled', next_url: `${new URL(eurl).pathname}/recovery-codes` });
    return { eurl, nextUrl: new URL(status.next_url, scanin.issuer).href };
  }

  it('shows the codes once to the browser that showed the invite; another browser and a reload get none', async () => {
    const browser = new TestBrowser();
    const { nextUrl } = await watchAndEnroll('invited@example.com', browser);

    // Someone else holding the (now used) link: no codes, and none are made for them.
    const stranger = await new TestBrowser().fetch(nextUrl);
    expect(codesOn(stranger.body)).toEqual([]);
    expect(await setOf('invited@example.com')).toEqual([]);

    const shown = await browser.fetch(nextUrl);
    expect(shown.status).toBe(200);
    expect(shown.headers['cache-control']).toBe('no-store');
    const codes = codesOn(shown.body);
    expect(codes).toHaveLength(10);
    expect(shown.body).toContain('I have saved them — continue');

    const reload = await browser.fetch(nextUrl);
    expect(codesOn(reload.body)).toEqual([]);
    expect(reload.body).toContain('They were shown already, or this is not that browser.');

    const login = await openLoginPage(await discover(scanin.issuer));
    const used = await login.browser.fetch(`${login.interactionUrl}/recovery`, { method: 'POST', form: { email: 'invited@example.com', code: codes[2]! } });
    expect(used.status).toBe(303);
  });

  it('a browser opening the link after it was used gets no watcher cookie and no codes', async () => {
    const eurl = await inviteUrl(scanin, 'late-browser@example.com');
    await newPhone().enroll(eurl);
    const browser = new TestBrowser();
    const page = await browser.fetch(eurl);
    expect(page.status).toBe(410);
    expect(page.headers['set-cookie']).toBeUndefined();
    expect(codesOn((await browser.fetch(`${eurl}/recovery-codes`)).body)).toEqual([]);
    expect(await setOf('late-browser@example.com')).toEqual([]);
  });

  it('shows nothing more than 15 minutes after the phone enrolled', async () => {
    const browser = new TestBrowser();
    const { nextUrl } = await watchAndEnroll('slow@example.com', browser);
    scanin.clock.freeze(scanin.clock.now() + 15 * 60 + 1);
    try {
      expect(codesOn((await browser.fetch(nextUrl)).body)).toEqual([]);
    } finally {
      scanin.clock.release();
    }
    expect(await setOf('slow@example.com')).toEqual([]);
  });

  it('a replacement invite for an account that has codes shows none and keeps the set', async () => {
    const email = 'replaced@example.com';
    await newPhone().enroll(await inviteUrl(scanin, email));
    const account = (await findAccountByEmail(scanin.services.db, email))!;
    await regenerateRecoveryCodes(scanin.services.db, scanin.services.clock, account.id, 'admin');
    const before = await setOf(email);
    const browser = new TestBrowser();
    const { nextUrl } = await watchAndEnroll(email, browser);
    expect(codesOn((await browser.fetch(nextUrl)).body)).toEqual([]);
    expect(await setOf(email)).toEqual(before);
  });

  it('answers an unknown invite with 404 and its status as expired', async () => {
    const missing = `${scanin.issuer}/e/${'A'.repeat(22)}`;
    expect((await new TestBrowser().fetch(`${missing}/recovery-codes`)).status).toBe(404);
    expect(JSON.parse((await new TestBrowser().fetch(`${missing}/status`, { accept: 'application/json' })).body)).toEqual({ status: 'expired' });
  });
});
