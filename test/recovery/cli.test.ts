// `scanin users recovery-codes <email|sub>` as an administrator runs it, beside a running Scanin:
// ten new codes printed once, the earlier set dead at once, audited; refused for an unknown or
// disabled account. And an account's codes go with the account when it is deleted.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deleteAccount, disableAccount } from '../../src/accounts/cutOff.ts';
import { listAudit } from '../../src/audit/audit.ts';
import { findAccountByEmail } from '../../src/store/accounts.ts';
import { runCli, type CliResult } from '../helpers/cli.ts';
import { enrolledPhone, openLoginPage } from '../helpers/login.ts';
import { discover } from '../helpers/rp.ts';
import { startTestScanin, type TestScanin } from '../helpers/scanin.ts';

const CODE = /^[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$/;
// Each command is a process of its own, and each takes seconds to start on a loaded machine.
const PROCESSES = 120_000;
type Result = CliResult;

describe('scanin users recovery-codes', () => {
  let scanin: TestScanin;

  beforeAll(async () => {
    scanin = await startTestScanin();
    await enrolledPhone(scanin, 'kim@example.com', 'kim.json');
  });
  afterAll(async () => {
    await scanin?.close();
  });

  const cli = (...args: string[]): Promise<Result> => runCli(scanin, ...args);

  const codesIn = (result: Result) => result.stdout.trim().split('\n').filter((line) => CODE.test(line));

  async function tryCode(code: string): Promise<number> {
    const login = await openLoginPage(await discover(scanin.issuer));
    return (await login.browser.fetch(`${login.interactionUrl}/recovery`, { method: 'POST', form: { email: 'kim@example.com', code } })).status;
  }

  it('prints ten new codes; the earlier set stops working; show counts what is left; audited', async () => {
    const kim = (await findAccountByEmail(scanin.services.db, 'kim@example.com'))!;
    expect((await cli('users', 'show', 'kim@example.com')).stdout).toContain('recovery codes\tnone made yet');

    const first = await cli('users', 'recovery-codes', 'kim@example.com');
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toContain('new recovery codes for kim@example.com');
    expect(codesIn(first)).toHaveLength(10);
    const second = await cli('users', 'recovery-codes', kim.id);
    expect(codesIn(second)).toHaveLength(10);
    expect(codesIn(second)).not.toEqual(expect.arrayContaining([codesIn(first)[0]]));

    expect(await tryCode(codesIn(first)[0]!)).toBe(400);
    expect(await tryCode(codesIn(second)[0]!)).toBe(303);
    const shown = JSON.parse((await cli('users', 'show', 'kim@example.com', '--json')).stdout);
    expect(shown.recovery_codes_left).toBe(9);

    const audit = (await listAudit(scanin.services.db, { accountId: kim.id })).filter((entry) => entry.event === 'admin.recovery_codes');
    expect(audit).toHaveLength(2);
    expect(JSON.stringify(audit)).not.toContain(codesIn(second)[1]!);
  }, PROCESSES);

  it('refuses an unknown account and a disabled one, printing no codes and changing nothing', async () => {
    const unknown = await cli('users', 'recovery-codes', 'nobody@example.com');
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('nobody@example.com');
    expect(codesIn(unknown)).toEqual([]);

    const kim = (await findAccountByEmail(scanin.services.db, 'kim@example.com'))!;
    const before = await scanin.services.db('recovery_codes').where({ account_id: kim.id }).orderBy('slot');
    await disableAccount(scanin.services.db, scanin.services.clock, kim.id);
    const disabled = await cli('users', 'recovery-codes', 'kim@example.com');
    expect(disabled.code).toBe(1);
    expect(disabled.stderr).toContain('is disabled');
    expect(codesIn(disabled)).toEqual([]);
    expect(await scanin.services.db('recovery_codes').where({ account_id: kim.id }).orderBy('slot')).toEqual(before);
  }, PROCESSES);

  it('deleting an account deletes its codes', async () => {
    const kim = (await findAccountByEmail(scanin.services.db, 'kim@example.com'))!;
    expect(await scanin.services.db('recovery_codes').where({ account_id: kim.id })).toHaveLength(10);
    await deleteAccount(scanin.services.db, kim.id);
    expect(await scanin.services.db('recovery_codes').where({ account_id: kim.id })).toEqual([]);
    expect(await scanin.services.db('recovery_code_sets').where({ account_id: kim.id })).toEqual([]);
  });
});
