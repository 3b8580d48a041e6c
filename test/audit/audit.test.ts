// The audit trail: every enrollment, login outcome, revocation, rate-limit trip and
// administrative action is in the database (with time, account, device, IP and client), goes
// to stdout as one JSON line, can be read back with `npx scanin audit`, and is swept after
// AUDIT_RETENTION_DAYS.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditLine, listAudit, recordAudit, sweepAudit } from '../../src/audit/audit.ts';
import { auditCsv } from '../../src/audit/auditCsv.ts';
import { recordExpiredLogins } from '../../src/audit/expiredLogins.ts';
import { parseSince } from '../../src/text/timeInput.ts';
import { findAccountByEmail } from '../../src/store/accounts.ts';
import { TestBrowser } from '../helpers/browser.ts';
import { DATABASE_KINDS, useMigratedDatabase } from '../helpers/databases.ts';
import { completeLogin, enrolledPhone, openLoginPage } from '../helpers/login.ts';
import { discover } from '../helpers/rp.ts';
import { startTestScanin, type TestScanin } from '../helpers/scanin.ts';

const run = promisify(execFile);
const SCANIN = join(import.meta.dirname, '../../src/cli/bin.js');

async function scaninCli(scanin: TestScanin, args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [SCANIN, ...args], { env: { ...process.env, ...scanin.env, ...env } });
    return { code: 0, stdout, stderr };
  } catch (error) {
    return error as { code: number; stdout: string; stderr: string };
  }
}

describe('the audit trail of a running Scanin', () => {
  let scanin: TestScanin;

  beforeAll(async () => {
    scanin = await startTestScanin({ env: { TRUST_PROXY: '127.0.0.1', RATE_LIMITS: 'auth_ip=2/3600' } });
  });
  afterAll(async () => {
    await scanin?.close();
  });

  it('records an enrollment and each login outcome with account, device, IP and client', async () => {
    const phone = await enrolledPhone(scanin, 'audited@example.com');
    const account = (await findAccountByEmail(scanin.services.db, 'audited@example.com'))!;
    const config = await discover(scanin.issuer);

    const approved = await openLoginPage(config, new TestBrowser(undefined, { 'x-forwarded-for': '203.0.113.10' }));
    await phone.answer(approved.qrUrl, 'approve');
    await completeLogin(scanin, approved);
    const denied = await openLoginPage(config, new TestBrowser(undefined, { 'x-forwarded-for': '203.0.113.11' }));
    await phone.answer(denied.qrUrl, 'deny');

    const entries = await listAudit(scanin.services.db, { accountId: account.id });
    const [device] = await phone.list();
    expect(entries.map((entry) => entry.event)).toEqual(['enrollment', 'login.approved', 'login.denied']);
    expect(entries[0]).toMatchObject({ device_id: device!.device_id, ip: '127.0.0.1', detail: { kind: 'invite', device_name: 'Test Phone' } });
    expect(entries[1]).toMatchObject({ device_id: device!.device_id, client_id: 'test-public', ip: '127.0.0.1', detail: { rid: approved.rid, browser_ip: '203.0.113.10' } });
    expect(entries[2]).toMatchObject({ client_id: 'test-public', detail: { rid: denied.rid, browser_ip: '203.0.113.11' } });
    expect(entries.every((entry) => entry.at > 0)).toBe(true);
  });

  it('records a rate-limit trip once per window, not once per refused request', async () => {
    const config = await discover(scanin.issuer);
    const flooder = new TestBrowser(undefined, { 'x-forwarded-for': '198.51.100.99' });
    const statuses = [];
    for (let i = 0; i < 6; i++) {
      const { url } = await (await import('../helpers/rp.ts')).authorizationRequest(config);
      statuses.push((await flooder.fetch(url)).status);
    }
    expect(statuses).toEqual([303, 303, 429, 429, 429, 429]);
    const trips = (await listAudit(scanin.services.db)).filter((entry) => entry.event === 'rate_limit');
    expect(trips).toHaveLength(1);
    expect(trips[0]!.detail).toMatchObject({ rule: 'auth_ip', subject: '198.51.100.99', limit: 2 });
  });

  it('records an invite and a revocation made with the CLI, and prints the log with --user and --since', { timeout: 90_000 }, async () => {
    const invited = await scaninCli(scanin, ['invite', 'cli-audit@example.com']);
    expect(invited.code, invited.stderr).toBe(0);
    const phone = await enrolledPhone(scanin, 'cli-audit@example.com', 'cli-audit.json');
    const [device] = await phone.list();
    expect((await scaninCli(scanin, ['revoke', device!.device_id])).code).toBe(0);

    const printed = await scaninCli(scanin, ['audit', '--user', 'cli-audit@example.com', '--since', '1h']);
    expect(printed.code, printed.stderr).toBe(0);
    const lines = printed.stdout.trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines.map((line) => line.event)).toEqual(['admin.invite', 'enrollment', 'device.revoked']);
    expect(lines.at(-1)).toMatchObject({ type: 'audit', device_id: device!.device_id, detail: { by: 'admin' } });
    expect(lines.every((line) => typeof line.time === 'string' && (line.time as string).endsWith('Z'))).toBe(true);

    const future = await scaninCli(scanin, ['audit', '--since', '2999-01-01']);
    expect(future.stdout).toBe('');
    const bad = await scaninCli(scanin, ['audit', '--since', 'yesterday']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('--since: expected an ISO date');

    const csv = await scaninCli(scanin, ['audit', '--user', 'cli-audit@example.com', '--event', 'device', '--until', '2999-01-01', '--csv']);
    expect(csv.code, csv.stderr).toBe(0);
    const [header, ...rows] = csv.stdout.split('\r\n').filter(Boolean);
    expect(header).toBe('time,event,account_id,device_id,ip,client_id,detail');
    expect(rows).toHaveLength(1);
    expect(rows[0]).toContain(`,device.revoked,`);
    expect((await scaninCli(scanin, ['audit', '--user', 'cli-audit@example.com', '--until', '1h'])).stdout).toBe('');
    for (const [args, message] of [[['--event', 'Login Refused'], '--event: expected an event name'], [['--until', 'later'], '--until: expected an ISO date'], [['--client', ''], '--client: give a client_id']] as const) {
      const refused = await scaninCli(scanin, ['audit', ...args]);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain(message);
    }
  });

  it('writes one JSON line per event to the log when AUDIT_STDOUT is on (the default): stderr for a command, whose stdout is its answer', { timeout: 60_000 }, async () => {
    const invited = await scaninCli(scanin, ['invite', 'stdout-audit@example.com'], { AUDIT_STDOUT: 'true' });
    expect(invited.code, invited.stderr).toBe(0);
    const line = invited.stderr.split('\n').find((text) => text.startsWith('{'))!;
    expect(JSON.parse(line)).toMatchObject({ type: 'audit', event: 'admin.invite', detail: { email: 'stdout-audit@example.com' } });
    // The answer alone: the QR code, then the link as the last line; no JSON line among them.
    expect(invited.stdout).not.toContain('"type":"audit"');
    expect(invited.stdout.trim().split('\n').at(-1)).toMatch(new RegExp(`^${scanin.issuer}/e/[\\w-]+$`));

    const created = await scaninCli(scanin, ['users', 'create', 'json-audit@example.com'], { AUDIT_STDOUT: 'true' });
    expect(created.stderr).toContain('"type":"audit"');
    expect(created.stdout).not.toContain('"type":"audit"');
    const listed = await scaninCli(scanin, ['users', 'list', '--json'], { AUDIT_STDOUT: 'true' });
    expect((JSON.parse(listed.stdout) as { email: string }[]).map((user) => user.email)).toContain('json-audit@example.com');
  });
});

describe.each(DATABASE_KINDS)('audit storage on %s', (kind) => {
  const { db } = useMigratedDatabase(kind);
  const target = (at: number) => ({ db: db(), clock: () => at, config: { auditStdout: false } });

  it('keeps entries until the retention has passed, then sweeps them', async () => {
    await recordAudit(target(1_000), { event: 'login.approved', account_id: 'a', detail: { rid: 'r1' } });
    await recordAudit(target(2_000), { event: 'login.denied', account_id: 'a' });
    expect((await listAudit(db(), { accountId: 'a', since: 1_500 })).map((entry) => entry.event)).toEqual(['login.denied']);
    expect(await sweepAudit(db(), 1_500)).toBe(1);
    expect((await listAudit(db())).map((entry) => entry.event)).toEqual(['login.denied']);
  });

  it('filters by client, by event or family, and before a time', async () => {
    await recordAudit(target(10), { event: 'login.approved', account_id: 'b', client_id: 'wiki' });
    await recordAudit(target(20), { event: 'login.refused', account_id: 'b', client_id: 'wiki' });
    await recordAudit(target(30), { event: 'login.approved', account_id: 'b', client_id: 'shop' });
    // "login_x" shares the prefix "login" without being of the login family.
    await recordAudit(target(40), { event: 'login_x', account_id: 'b', client_id: 'wiki' });
    await recordAudit(target(50), { event: 'login', account_id: 'b', client_id: 'wiki' });
    const events = async (filter: Parameters<typeof listAudit>[1]) => (await listAudit(db(), { accountId: 'b', ...filter })).map((entry) => `${entry.event}@${entry.at}`);
    expect(await events({ clientId: 'wiki' })).toEqual(['login.approved@10', 'login.refused@20', 'login_x@40', 'login@50']);
    expect(await events({ event: 'login' })).toEqual(['login.approved@10', 'login.refused@20', 'login.approved@30', 'login@50']);
    expect(await events({ event: 'login.refused' })).toEqual(['login.refused@20']);
    expect(await events({ event: 'login.approved', clientId: 'wiki', since: 5, until: 20 })).toEqual(['login.approved@10']);
    expect(await events({ since: 20, until: 40 })).toEqual(['login.refused@20', 'login.approved@30']);
  });

  it('refuses event names that do not follow the convention', async () => {
    await expect(recordAudit(target(1), { event: 'Login Approved' })).rejects.toThrow('dotted lower-case');
  });

  it('records a read but unanswered request once as it is swept, even with two sweepers at once', async () => {
    const row = { uid: 'u', generation: 1, challenge: 'c', client_id: 'app', browser_ip: '192.0.2.5', user_agent: 'ua', match_number: null, number_choices: null, device_id: null, account_id: null, created_at: 1, expires_at: 100, answered_at: null };
    await db()('login_requests').insert([{ ...row, rid: 'scanned', status: 'scanned' }, { ...row, rid: 'pending', generation: 2, status: 'pending' }]);
    const counts = await Promise.all([recordExpiredLogins(target(5_000), 200), recordExpiredLogins(target(5_000), 200)]);
    expect(counts.sort()).toEqual([0, 1]);
    const expired = (await listAudit(db())).filter((entry) => entry.event === 'login.expired');
    expect(expired).toHaveLength(1);
    expect(expired[0]).toMatchObject({ ip: '192.0.2.5', client_id: 'app', detail: { rid: 'scanned', expired_at: 100 } });
  });
});

describe('audit lines', () => {
  it('are one JSON object with an ISO time', () => {
    const line = auditLine({ at: 1_795_000_000, event: 'enrollment', account_id: 'a', device_id: 'd', ip: '192.0.2.1', client_id: null, detail: null });
    expect(JSON.parse(line)).toEqual({ time: '2026-11-18T11:06:40.000Z', type: 'audit', event: 'enrollment', account_id: 'a', device_id: 'd', ip: '192.0.2.1', client_id: null });
    expect(line).not.toContain('\n');
  });

  it('export as CSV with a header, quoting, and formulas made inert', () => {
    const base = { device_id: null, client_id: null, detail: null };
    const csv = auditCsv([
      { ...base, id: 1, at: 1_795_000_000, event: 'login.refused', account_id: 'a', ip: '192.0.2.1', client_id: 'wiki', detail: { reason: 'not_in_allowed_groups', flow: 'browser' } },
      { ...base, id: 2, at: 1_795_000_001, event: 'admin.user_renamed', account_id: '=HYPERLINK("http://evil")', ip: '-1+1', detail: { name: 'Ann "A", B\nC' } },
    ]);
    expect(csv.split('\r\n')).toEqual([
      'time,event,account_id,device_id,ip,client_id,detail',
      '2026-11-18T11:06:40.000Z,login.refused,a,,192.0.2.1,wiki,"{""reason"":""not_in_allowed_groups"",""flow"":""browser""}"',
      `2026-11-18T11:06:41.000Z,admin.user_renamed,"'=HYPERLINK(""http://evil"")",,'-1+1,,"{""name"":""Ann \\""A\\"", B\\nC""}"`,
      '',
    ]);
  });

  it('--since reads ISO dates and ages', () => {
    expect(parseSince('7d', 1_000_000)).toBe(1_000_000 - 7 * 86400);
    expect(parseSince('30m', 10_000)).toBe(10_000 - 1800);
    expect(parseSince('2026-11-01', 0)).toBe(Date.UTC(2026, 10, 1) / 1000);
    expect(() => parseSince('soon', 0)).toThrow('--since');
  });
});
