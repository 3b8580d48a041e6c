// The sign-up rate limits, tripped: `signup_ip` (sign-ups from one address) and `signup_account`
// (sign-ups for one email, from any address). Past either, the form's post gets a readable 429
// page with Retry-After and makes no account and no enrollment. Addresses are played through a
// trusted loopback proxy (TRUST_PROXY=127.0.0.1 and X-Forwarded-For).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findAccountByEmail } from '../../src/store/accounts.ts';
import { TestBrowser } from '../helpers/browser.ts';
import { openLoginPage } from '../helpers/login.ts';
import { discover } from '../helpers/rp.ts';
import { startTestScanin, type TestScanin } from '../helpers/scanin.ts';

describe('sign-up rate limits', () => {
  let scanin: TestScanin;

  beforeAll(async () => {
    scanin = await startTestScanin({ env: { SIGNUP: 'open', TRUST_PROXY: '127.0.0.1', RATE_LIMITS: 'signup_ip=2/3600,signup_account=2/3600' } });
  });
  afterAll(async () => {
    await scanin?.close();
  });

  /** A new sign-in from `ip` whose sign-up form posts `email`. */
  async function signUp(ip: string, email: string) {
    const login = await openLoginPage(await discover(scanin.issuer), new TestBrowser(undefined, { 'x-forwarded-for': ip }));
    return login.browser.fetch(`${login.interactionUrl}/signup`, { method: 'POST', form: { email, name: 'New Person' } });
  }

  const rows = async (table: string) => Number(((await scanin.services.db(table).count({ count: '*' }))[0] as { count: number | string }).count);

  it('refuses a third sign-up from one address with a 429 page, makes nothing, and another address still signs up', async () => {
    expect((await signUp('198.51.100.90', 'first@example.com')).status).toBe(303);
    expect((await signUp('198.51.100.90', 'second@example.com')).status).toBe(303);
    const [accounts, enrollments] = [await rows('accounts'), await rows('enrollments')];
    const refused = await signUp('198.51.100.90', 'third@example.com');
    expect(refused.status).toBe(429);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    expect(refused.headers['content-type']).toMatch(/^text\/html/);
    expect(refused.body).toContain('Too many attempts');
    expect(await findAccountByEmail(scanin.services.db, 'third@example.com')).toBeUndefined();
    expect([await rows('accounts'), await rows('enrollments')]).toEqual([accounts, enrollments]);
    expect((await signUp('198.51.100.91', 'third@example.com')).status).toBe(303);
  });

  it('counts sign-ups for one email from every address: the third gets 429 and the first stays as it was', async () => {
    expect((await signUp('192.0.2.60', 'wanted@example.com')).status).toBe(303);
    const first = (await findAccountByEmail(scanin.services.db, 'wanted@example.com'))!;
    // Another sign-in asking for the same email: refused (an open sign-up holds it), yet counted.
    const taken = await signUp('192.0.2.61', 'wanted@example.com');
    expect(taken.status).toBe(400);
    expect(taken.body).toContain('cannot be used to sign up');
    const refused = await signUp('192.0.2.62', 'wanted@example.com');
    expect(refused.status).toBe(429);
    expect(refused.body).toContain('Too many attempts');
    expect(await findAccountByEmail(scanin.services.db, 'wanted@example.com')).toEqual(first);
    expect(await scanin.services.db('enrollments').where({ account_id: first.id })).toHaveLength(1);
  });
});
