// Accounts in ID tokens: a random, stable `sub` (never the email), `email`, `email_verified`,
// `name`, `preferred_username`; an administrator's email change keeps the `sub`.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Authenticator } from '../../src/authenticator/authenticator.ts';
import { findAccountByEmail, updateAccount } from '../../src/store/accounts.ts';
import { enrolledPhone, openLoginPage } from '../helpers/login.ts';
import { discover, redeem } from '../helpers/rp.ts';
import { startTestScanin, type TestScanin } from '../helpers/scanin.ts';

describe('the account in the ID token', () => {
  let scanin: TestScanin;
  let phone: Authenticator;

  beforeAll(async () => {
    scanin = await startTestScanin();
    phone = await enrolledPhone(scanin, 'nora@example.com');
  });
  afterAll(async () => {
    await scanin?.close();
  });

  async function idToken() {
    const config = await discover(scanin.issuer);
    const login = await openLoginPage(config);
    await phone.answer(login.qrUrl, 'approve');
    const { leftTo } = await login.browser.follow(`${login.interactionUrl}/complete`, scanin.issuer);
    return (await redeem(config, leftTo!, login.auth)).claims()!;
  }

  it('carries sub, email, email_verified, name and preferred_username; sub is random, not the email', async () => {
    const claims = await idToken();
    expect(claims).toMatchObject({ email: 'nora@example.com', email_verified: false, name: 'Test Person', preferred_username: 'nora@example.com' });
    expect(claims.sub).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(claims.sub).not.toContain('nora');
  });

  it('keeps the sub when the email changes, and says whether the new one was verified', async () => {
    const before = await idToken();
    const { db } = scanin.services;
    const account = (await findAccountByEmail(db, 'nora@example.com'))!;
    expect(await updateAccount(db, account.id, { email: 'nora.new@example.org', email_verified: true })).toBe(true);
    const after = await idToken();
    expect(after).toMatchObject({ sub: before.sub, email: 'nora.new@example.org', email_verified: true, preferred_username: 'nora.new@example.org' });
  });
});
