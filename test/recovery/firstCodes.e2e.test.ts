// The first recovery codes: shown once, in the browser that watched the account's first phone
// enroll (a sign-up's), before the sign-in goes on to the app; a reload, a second tab or a
// replay does not show them again. The codes shown are the ones that work.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listAudit } from '../../src/audit/audit.ts';
import { Authenticator } from '../../src/authenticator/authenticator.ts';
import { findAccountByEmail } from '../../src/store/accounts.ts';
import { TestBrowser } from '../helpers/browser.ts';
import { startDeviceTestScanin, type DeviceTestScanin } from '../helpers/device.ts';
import { openLoginPage, type OpenLogin } from '../helpers/login.ts';
import { discover, redeem } from '../helpers/rp.ts';

const ENROLL_URL = /id="qr-link" href="(https?:\/\/[^"]+\/e\/[^"]+)"/;
const CODE = /<code>([0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4})<\/code>/g;

async function signUpAndEnroll(scanin: DeviceTestScanin, login: OpenLogin, email: string): Promise<string> {
  const posted = await login.browser.fetch(`${login.interactionUrl}/signup`, { method: 'POST', form: { email, name: 'First Codes' } });
  expect(posted.status).toBe(303);
  const eurl = ENROLL_URL.exec((await login.browser.fetch(posted.location!)).body)![1]!;
  await new Authenticator({ keysFile: join(scanin.dir, `${email}.json`) }).enroll(eurl);
  return `${login.interactionUrl}/signup/complete`;
}

describe('recovery codes shown once after the first enrollment (sign-up)', () => {
  let scanin: DeviceTestScanin;

  beforeAll(async () => {
    scanin = await startDeviceTestScanin({ SIGNUP: 'open' });
  });
  afterAll(async () => {
    await scanin?.close();
  });

  it('shows ten codes once, with "I have saved them — continue"; a reload goes on to the app without them', async () => {
    const config = await discover(scanin.issuer);
    const login = await openLoginPage(config);
    const complete = await signUpAndEnroll(scanin, login, 'first@example.com');

    const shown = await login.browser.fetch(complete);
    expect(shown.status).toBe(200);
    expect(shown.headers['cache-control']).toBe('no-store');
    const codes = [...shown.body.matchAll(CODE)].map((match) => match[1]!);
    expect(codes).toHaveLength(10);
    expect(shown.body).toContain('I have saved them — continue');
    expect(/id="continue" href="([^"]+)"/.exec(shown.body)![1]).toBe(new URL(complete).pathname);

    // The reload (or the continue link, the same URL) shows no codes and goes on to the app.
    const { page, leftTo } = await login.browser.follow(complete, scanin.issuer);
    expect(page.body).not.toMatch(CODE);
    const tokens = await redeem(config, leftTo!, login.auth);
    const account = (await findAccountByEmail(scanin.services.db, 'first@example.com'))!;
    expect(tokens.claims()!.sub).toBe(account.id);
    const again = await login.browser.fetch(complete);
    expect(again.body).not.toMatch(CODE);

    const set = await scanin.services.db('recovery_code_sets').where({ account_id: account.id }).first();
    expect(set).toMatchObject({ created_by: 'enrollment' });
    const audit = await listAudit(scanin.services.db, { accountId: account.id });
    expect(audit.filter((entry) => entry.event === 'recovery.codes_created').map((entry) => entry.detail)).toEqual([{ by: 'enrollment', eid: set.shown_after_eid }]);

    // The codes shown are the account's: one of them starts a recovery in a new sign-in.
    const lost = await openLoginPage(config, new TestBrowser());
    const posted = await lost.browser.fetch(`${lost.interactionUrl}/recovery`, { method: 'POST', form: { email: 'first@example.com', code: codes[9]! } });
    expect(posted.status).toBe(303);
  });

  it('two tabs finishing the same sign-up at once: exactly one sees the codes', async () => {
    const login = await openLoginPage(await discover(scanin.issuer));
    const complete = await signUpAndEnroll(scanin, login, 'tabs@example.com');
    const pages = await Promise.all([login.browser.fetch(complete), login.browser.fetch(complete)]);
    expect(pages.filter((page) => page.body.includes('id="recovery-codes"'))).toHaveLength(1);
    const account = (await findAccountByEmail(scanin.services.db, 'tabs@example.com'))!;
    expect(await scanin.services.db('recovery_codes').where({ account_id: account.id })).toHaveLength(10);
  });
});
