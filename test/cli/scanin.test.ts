// `npx scanin …` and `npx scanin-device …` as an administrator and a user run them, as real
// processes against the database of a running Scanin.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SCANIN_BIN as SCANIN, spawnScanin } from '../helpers/process.ts';
import { generateDeviceKey } from '../../src/authenticator/keys.ts';
import { ensureAccount } from '../../src/store/accounts.ts';
import { insertDevice, listDevices } from '../../src/store/devices.ts';
import { startTestScanin, testDir, testEnv, type TestScanin } from '../helpers/scanin.ts';

const run = promisify(execFile);
const DEVICE = join(import.meta.dirname, '../../src/authenticator/bin.js');

type Result = { code: number; stdout: string; stderr: string };

async function cli(bin: string, args: string[], env: Record<string, string>): Promise<Result> {
  try {
    const { stdout, stderr } = await run(process.execPath, [bin, ...args], { env: { ...process.env, ...env } });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const { code, stdout, stderr } = error as { code: number; stdout: string; stderr: string };
    return { code, stdout, stderr };
  }
}

describe('the scanin command line', () => {
  let scanin: TestScanin;
  const scaninCli = (...args: string[]) => cli(SCANIN, args, scanin.env);

  beforeAll(async () => {
    scanin = await startTestScanin();
  });
  afterAll(async () => {
    await scanin?.close();
  });

  it('invites a user: creates the account and prints the enrollment URL as the last line, after a terminal QR code', async () => {
    const result = await scaninCli('invite', 'Bob@Example.com', '--name', 'Bob Builder');
    expect(result.code, result.stderr).toBe(0);
    const lines = result.stdout.trim().split('\n');
    expect(lines.at(-1)).toMatch(new RegExp(`^${scanin.issuer}/e/[A-Za-z0-9_-]{22}$`));
    expect(lines.length).toBeGreaterThan(10); // the QR code drawn in the terminal
    const users = await scaninCli('users');
    expect(users.stdout, users.stderr).toMatch(/bob@example\.com\tBob Builder\tsub=\S+\tdevices=0/);
  });

  it('lets the reference authenticator enroll from that URL, lists the device, and revokes it', async () => {
    const url = (await scaninCli('invite', 'carol@example.com')).stdout.trim().split('\n').at(-1)!;
    const keys = join(scanin.dir, 'carol-keys.json');
    const enrolled = await cli(DEVICE, ['--keys', keys, 'enroll', url, '--name', 'Carol Phone'], {});
    expect(enrolled.code, enrolled.stderr).toBe(0);

    const listed = await scaninCli('devices', 'carol@example.com');
    expect(listed.stdout, listed.stderr).toMatch(/\tCarol Phone\tES256\tactive\t/);
    const deviceId = listed.stdout.split('\t')[0]!;

    const revoked = await scaninCli('revoke', deviceId);
    expect(revoked.code, revoked.stderr).toBe(0);
    expect((await scaninCli('devices', 'carol@example.com')).stdout).toMatch(/\trevoked\t/);
    const again = await scaninCli('revoke', deviceId);
    expect(again.code, again.stderr).toBe(1);
    expect(again.stderr).toContain('no active device');

    // The used invite cannot be used again.
    const reuse = await cli(DEVICE, ['--keys', join(scanin.dir, 'other.json'), 'enroll', url], {});
    expect(reuse.code, reuse.stderr).toBe(1);
    expect(reuse.stderr).toContain('already_answered');
  });

  it('revokes a device whose id begins with "-", with or without "--" before it', async () => {
    const { db, clock } = scanin.services;
    const account = await ensureAccount(db, clock, 'dash@example.com', 'Dash');
    const key = generateDeviceKey('ES256');
    const ids = ['-b_' + 'A'.repeat(40), '-c_' + 'A'.repeat(40)];
    for (const id of ids) {
      await insertDevice(db, { id, account_id: account.id, name: 'Dash Phone', alg: 'ES256', public_jwk: key.publicJwk, status: 'active', created_at: clock() });
    }
    const plain = await scaninCli('revoke', ids[0]!);
    expect(plain.code, plain.stderr).toBe(0);
    expect(plain.stdout).toContain(`revoked ${ids[0]}`);
    const separated = await scaninCli('revoke', '--', ids[1]!);
    expect(separated.code, separated.stderr).toBe(0);
    expect((await listDevices(db, account.id)).map((device) => device.status)).toEqual(['revoked', 'revoked']);
    // An option that is not id-shaped is still an unknown option.
    expect((await scaninCli('revoke', '-x')).code).toBe(2);
  });

  it('refuses what is not an email address, and changes nothing', async () => {
    const result = await scaninCli('invite', 'not-an-email');
    expect(result.code, result.stderr).toBe(1);
    expect(result.stderr).toContain('"not-an-email" is not an email address');
    expect((await scaninCli('users')).stdout).not.toContain('not-an-email');
  });

  it('explains each command with --help and rejects unknown commands and options', async () => {
    for (const command of ['serve', 'migrate', 'invite', 'users', 'devices', 'revoke']) {
      const help = await scaninCli(command, '--help');
      expect(help.code, help.stderr).toBe(0);
      expect(help.stdout).toContain(`Usage: scanin ${command}`);
    }
    expect((await scaninCli('frobnicate')).code).toBe(2);
    expect((await scaninCli('users', '--bogus')).code).toBe(2);
    expect((await scaninCli('devices')).code).toBe(2);
  }, 120_000); // one process per command, and each takes seconds to start on a loaded machine

  it('serves: migrates a new database, answers discovery, logs JSON lines with request ids, and stops cleanly on SIGTERM', async () => {
    const { child, issuer, exited, log } = await spawnScanin(testEnv(testDir(), { PORT: '0', LOG_LEVEL: 'info' }));
    expect(log.lines[0]).toMatchObject({ level: 'info', service: 'scanin', msg: 'Scanin is listening', issuer, port: expect.any(Number) });

    const discovery = await fetch(`${issuer}/.well-known/openid-configuration`, { headers: { 'x-request-id': 'rp-trace-42' } });
    expect(discovery.headers.get('x-request-id')).toBe('rp-trace-42');
    expect(((await discovery.json()) as { issuer: string }).issuer).toBe(issuer);
    const line = await log.waitFor((entry) => entry.req_id === 'rp-trace-42');
    expect(line).toMatchObject({ level: 'info', msg: 'request', method: 'GET', path: '/.well-known/openid-configuration', status: 200 });

    // An id that is not a sane token is replaced by a fresh one, not logged as given.
    const odd = await fetch(`${issuer}/.well-known/openid-configuration`, { headers: { 'x-request-id': 'x'.repeat(300) } });
    const fresh = odd.headers.get('x-request-id')!;
    expect(fresh).toMatch(/^[0-9a-f-]{36}$/);
    await log.waitFor((entry) => entry.req_id === fresh);

    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(log.nonJson).toEqual([]);
  });

  it('stops with a message naming the variable when the configuration is wrong', async () => {
    const result = await cli(SCANIN, ['users'], { ...scanin.env, DATABASE_URL: 'mysql://nope' });
    expect(result.code, result.stderr).toBe(1);
    expect(result.stderr).toContain('DATABASE_URL: expected sqlite:<file> or postgres://');
  });
});
