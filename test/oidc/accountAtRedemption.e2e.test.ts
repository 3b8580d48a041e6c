// The account behind a code, as the token endpoint sees it when the code is redeemed: read in the
// same statement as the code (no read of its own), and as it is then, not as it was when the
// code was issued. A disabled or vanished account gets no tokens, even with its code still stored.
import { describe, expect, it } from 'vitest';
import { completeLogin, enrolledPhone, openLoginPage } from '../helpers/login.ts';
import { redeem, useScaninWithApp } from '../helpers/rp.ts';

describe('the account of a code being redeemed', () => {
  const started = useScaninWithApp();

  /** A code for `email`'s account, ready to redeem, and that account's id. */
  async function codeFor(email: string) {
    const [scanin, config] = [started.scanin(), started.config()];
    const phone = await enrolledPhone(scanin, email, `${email}.json`);
    const login = await openLoginPage(config);
    await phone.answer(login.qrUrl, 'approve');
    const leftTo = await completeLogin(scanin, login);
    const { id } = (await scanin.services.db('accounts').where({ email }).first('id')) as { id: string };
    return { leftTo, auth: login.auth, accountId: id };
  }

  it('is read with the code, in one statement, and as it is at redemption', async () => {
    const [scanin, config] = [started.scanin(), started.config()];
    const { leftTo, auth, accountId } = await codeFor('rena@example.com');
    await scanin.services.db('accounts').where({ id: accountId }).update({ name: 'Rena Renamed' });
    const statements: string[] = [];
    const record = (query: { sql: string }) => statements.push(query.sql);
    scanin.services.db.on('query', record);
    try {
      const tokens = await redeem(config, leftTo, auth);
      expect(tokens.claims()).toMatchObject({ sub: accountId, name: 'Rena Renamed', email: 'rena@example.com' });
    } finally {
      scanin.services.db.off('query', record);
    }
    expect(statements.filter((sql) => /\bfrom [`"]accounts[`"]/i.test(sql))).toEqual([]);
    expect(statements.filter((sql) => /join [`"]accounts[`"]/i.test(sql))).toHaveLength(1);
  });

  it('disabled after the code was issued: no tokens (invalid_grant)', async () => {
    const [scanin, config] = [started.scanin(), started.config()];
    const { leftTo, auth, accountId } = await codeFor('sol@example.com');
    // Only the flag, not the cut-off that also removes the account's codes: the check must hold by itself.
    await scanin.services.db('accounts').where({ id: accountId }).update({ disabled_at: scanin.services.clock() });
    await expect(redeem(config, leftTo, auth)).rejects.toMatchObject({ error: 'invalid_grant' });
  });

  it('gone after the code was issued: no tokens (invalid_grant)', async () => {
    const [scanin, config] = [started.scanin(), started.config()];
    const { leftTo, auth, accountId } = await codeFor('teo@example.com');
    await scanin.services.db('accounts').where({ id: accountId }).delete();
    await expect(redeem(config, leftTo, auth)).rejects.toMatchObject({ error: 'invalid_grant' });
  });
});
