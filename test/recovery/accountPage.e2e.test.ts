// Recovery codes on the account page: a person signed in by QR sees how many codes they have
// left and makes a new set (shown once; the old one dead at once). The form needs the page's
// CSRF token and a signed-in browser; anything else changes nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listAudit } from '../../src/audit/audit.ts';
import type { Authenticator } from '../../src/authenticator/authenticator.ts';
import { findAccountByEmail, type Account } from '../../src/store/accounts.ts';
import { ageSignIns, csrfOf, enterAccountPage, finishSignIn, FRESH_SCAN_NOTE, freshScanLocation, openAccountSignIn, post } from '../accountPage/accountBrowser.ts';
import { TestBrowser } from '../helpers/browser.ts';
import { enrolledPhone, openLoginPage } from '../helpers/login.ts';
import { discover } from '../helpers/rp.ts';
import { startTestScanin, type TestScanin } from '../helpers/scanin.ts';

const CODE = /<code>([0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4})<\/code>/g;
const codesOn = (html: string) => [...html.matchAll(CODE)].map((match) => match[1]!);

describe('recovery codes on the account page', () => {
  let scanin: TestScanin;
  let phone: Authenticator;
  let account: Account;

  beforeAll(async () => {
    scanin = await startTestScanin();
    phone = await enrolledPhone(scanin, 'ann@example.com', 'ann.json');
    account = (await findAccountByEmail(scanin.services.db, 'ann@example.com'))!;
  });
  afterAll(async () => {
    await scanin?.close();
  });

  async function tryCode(code: string): Promise<number> {
    const login = await openLoginPage(await discover(scanin.issuer));
    return (await login.browser.fetch(`${login.interactionUrl}/recovery`, { method: 'POST', form: { email: 'ann@example.com', code } })).status;
  }

  it('an account without codes (an invite opened on the phone) makes its first set there, shown once', async () => {
    const { browser, page } = await enterAccountPage(scanin, phone);
    expect(page.body).toContain('id="recovery"');
    expect(page.body).toContain('You have no recovery codes yet.');

    const made = await post(scanin, browser, '/account/recovery-codes', {}, csrfOf(page.body));
    expect(made.status).toBe(200);
    expect(made.headers['cache-control']).toBe('no-store');
    const codes = codesOn(made.body);
    expect(codes).toHaveLength(10);
    expect(made.body).toContain('I have saved them — back to my account');

    const again = await browser.fetch(`${scanin.issuer}/account`);
    expect(again.body).toContain('<strong>10 of 10</strong>');
    expect(codesOn(again.body)).toEqual([]);
    expect(await tryCode(codes[0]!)).toBe(303);
    expect((await browser.fetch(`${scanin.issuer}/account`)).body).toContain('<strong>9 of 10</strong>');
  });

  it('a new set from the page invalidates the old one; audited as made by the account', async () => {
    const { browser, page } = await enterAccountPage(scanin, phone);
    const first = codesOn((await post(scanin, browser, '/account/recovery-codes', {}, csrfOf(page.body))).body);
    const second = codesOn((await post(scanin, browser, '/account/recovery-codes', {}, csrfOf(page.body))).body);
    expect(second).toHaveLength(10);
    expect(await tryCode(first[1]!)).toBe(400);
    expect(await tryCode(second[1]!)).toBe(303);
    const made = (await listAudit(scanin.services.db, { accountId: account.id })).filter((entry) => entry.event === 'recovery.codes_created');
    expect(made.map((entry) => entry.detail)).toEqual([{ by: 'account' }, { by: 'account' }, { by: 'account' }]);
  });

  it('refuses a form without the CSRF token, with another session\'s token, and from a signed-out browser: no new set', async () => {
    const { browser, page } = await enterAccountPage(scanin, phone);
    const other = await enterAccountPage(scanin, phone, { browser: new TestBrowser() });
    const before = await scanin.services.db('recovery_codes').where({ account_id: account.id }).orderBy('slot');
    const missing = await post(scanin, browser, '/account/recovery-codes', {}, null);
    const foreign = await post(scanin, browser, '/account/recovery-codes', {}, csrfOf(other.page.body));
    const signedOut = await post(scanin, new TestBrowser(), '/account/recovery-codes', {}, csrfOf(page.body));
    expect([missing.status, foreign.status, signedOut.status]).toEqual([403, 403, 401]);
    for (const answer of [missing, foreign, signedOut]) expect(codesOn(answer.body)).toEqual([]);
    expect(await scanin.services.db('recovery_codes').where({ account_id: account.id }).orderBy('slot')).toEqual(before);
  });

  it('asks for a fresh scan when the last one on this browser is old: no new set until the same account scans again', async () => {
    const { browser, page } = await enterAccountPage(scanin, phone);
    await ageSignIns(scanin, account.id, scanin.config.accountFreshScan + 1);
    const section = (await browser.fetch(`${scanin.issuer}/account`)).body;
    expect(section.slice(section.indexOf('id="recovery"'))).toContain(FRESH_SCAN_NOTE);
    const before = await scanin.services.db('recovery_codes').where({ account_id: account.id }).orderBy('slot');

    const refused = await post(scanin, browser, '/account/recovery-codes', {}, csrfOf(page.body));
    expect(refused.status).toBe(303);
    expect(refused.location).toBe(freshScanLocation(scanin, '/account#recovery'));
    expect(codesOn(refused.body)).toEqual([]);
    expect(await scanin.services.db('recovery_codes').where({ account_id: account.id }).orderBy('slot')).toEqual(before);

    const step = await openAccountSignIn(scanin, browser, refused.location!.slice(scanin.issuer.length));
    await phone.answer(step.qrUrl, 'approve');
    const back = await finishSignIn(scanin, step);
    expect(back.url).toBe(`${scanin.issuer}/account#recovery`);
    expect(back.body).not.toContain(FRESH_SCAN_NOTE);
    const made = await post(scanin, browser, '/account/recovery-codes', {}, csrfOf(page.body));
    expect(made.status).toBe(200);
    expect(codesOn(made.body)).toHaveLength(10);
  });
});
