// `npx scanin …` and `npx scanin-device …` as an administrator and a user run them, as real
// processes against the database of a running Scanin.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import sqlite3 from 'sqlite3';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { openLoginPage } from '../helpers/login.ts';
import { SCANIN_BIN as SCANIN, spawnScanin } from '../helpers/process.ts';
import { generateDeviceKey } from '../../src/authenticator/keys.ts';
import { ensureAccount } from '../../src/store/accounts.ts';
import { insertDevice, listDevices } from '../../src/store/devices.ts';
import { discover } from '../helpers/rp.ts';
import { startTestScanin, testDir, testEnv, TEST_CLIENTS, type TestScanin } from '../helpers/scanin.ts';

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
    const users = await scaninCli('users', 'list');
    expect(users.stdout, users.stderr).toMatch(/bob@example\.com\tBob Builder\tsub=\S+\tdevices=0\tactive/);
  });

  it('lets the reference authenticator enroll from that URL, lists the device, and revokes it', async () => {
    const url = (await scaninCli('invite', 'carol@example.com')).stdout.trim().split('\n').at(-1)!;
    const keys = join(scanin.dir, 'carol-keys.json');
    const enrolled = await cli(DEVICE, ['--keys', keys, 'enroll', url, '--name', 'Carol Phone'], {});
    expect(enrolled.code, enrolled.stderr).toBe(0);

    const listed = await scaninCli('devices', 'list', 'carol@example.com');
    expect(listed.stdout, listed.stderr).toMatch(/\tCarol Phone\tES256\tactive\t/);
    const deviceId = listed.stdout.split('\t')[0]!;

    const revoked = await scaninCli('revoke', deviceId);
    expect(revoked.code, revoked.stderr).toBe(0);
    expect((await scaninCli('devices', 'list', 'carol@example.com')).stdout).toMatch(/\trevoked\t/);
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

  it('revokes while another connection holds the database\'s write lock past busy_timeout, and writes meanwhile', { timeout: 60_000 }, async () => {
    const { db, clock } = scanin.services;
    const account = await ensureAccount(db, clock, 'busy@example.com', 'Busy');
    const id = 'busy_' + 'A'.repeat(38);
    await insertDevice(db, { id, account_id: account.id, name: 'Busy Phone', alg: 'ES256', public_jwk: generateDeviceKey('ES256').publicJwk, status: 'active', created_at: clock() });
    const other = new sqlite3.Database(scanin.config.database.client === 'sqlite' ? scanin.config.database.filename : '');
    const run = (sql: string) => new Promise<void>((resolve, reject) => other.run(sql, (error) => (error ? reject(error) : resolve())));
    try {
      await run('BEGIN IMMEDIATE');
      await run(`INSERT INTO settings (key, value) VALUES ('busy.test', '1')`);
      const revoking = scaninCli('revoke', id);
      // Longer than busy_timeout (5 s) after the command's first write: it is refused once and waits again.
      await new Promise((resolve) => setTimeout(resolve, 8_000));
      await run(`UPDATE settings SET value = '2' WHERE key = 'busy.test'`);
      await run('COMMIT');
      const revoked = await revoking;
      expect(revoked.code, revoked.stderr).toBe(0);
      expect(revoked.stdout).toContain(`revoked ${id}`);
    } finally {
      await new Promise((resolve) => other.close(resolve));
    }
    expect((await listDevices(db, account.id)).map((device) => device.status)).toEqual(['revoked']);
  });

  it('takes a sub that begins with "-" as the account, as an argument or an option\'s value, keeping the arguments in order', async () => {
    const { db, clock } = scanin.services;
    const account = await ensureAccount(db, clock, 'dashsub@example.com', 'Dash Sub');
    // One sub in 64 begins with "-" (22 base64url characters): give this one such a sub.
    const sub = '-I' + 'x'.repeat(20);
    await db('accounts').where({ id: account.id }).update({ id: sub });
    const renamed = await scaninCli('users', 'rename', sub, 'Dash Renamed');
    expect(renamed.code, renamed.stderr).toBe(0);
    const shown = await scaninCli('users', 'show', sub, '--json');
    expect(shown.code, shown.stderr).toBe(0);
    expect(JSON.parse(shown.stdout)).toMatchObject({ sub, name: 'Dash Renamed' });
    const audit = await scaninCli('audit', '--user', sub);
    expect(audit.code, audit.stderr).toBe(0);
    expect(audit.stdout).toContain(`"event":"admin.user_renamed","account_id":"${sub}"`);
  });

  it('refuses what is not an email address, and changes nothing', async () => {
    const result = await scaninCli('invite', 'not-an-email');
    expect(result.code, result.stderr).toBe(1);
    expect(result.stderr).toContain('"not-an-email" is not an email address');
    expect((await scaninCli('users', 'list')).stdout).not.toContain('not-an-email');
    // A Cyrillic "а" in a Latin domain, and a zero-width space: look-alikes of real addresses.
    for (const lookAlike of ['ann@p\u0430ypal.com', 'ann\u200b@example.com']) {
      const refused = await scaninCli('invite', lookAlike);
      expect(refused.code, refused.stderr).toBe(1);
      expect(refused.stderr).toMatch(/mixes letters of different scripts|invisible, control or look-alike/);
    }
    expect((await scaninCli('users', 'list', '--json')).stdout).not.toContain('ann');
  });

  it('explains each command with --help and rejects unknown commands and options', async () => {
    for (const command of ['serve', 'migrate', 'invite', 'revoke', 'users', 'invites', 'devices', 'sessions', 'users list', 'invites cancel', 'sessions end', 'clients', 'clients rotate-secret']) {
      const help = await scaninCli(...command.split(' '), '--help');
      expect(help.code, help.stderr).toBe(0);
      expect(help.stdout).toContain(`Usage: scanin ${command}`);
    }
    expect((await scaninCli('frobnicate')).code).toBe(2);
    expect((await scaninCli('users', 'list', '--bogus')).code).toBe(2);
    expect((await scaninCli('users')).code).toBe(2);
    expect((await scaninCli('users', 'frobnicate')).code).toBe(2);
    expect((await scaninCli('devices', 'list')).code).toBe(2);
  }, 120_000); // one process per command, and each takes seconds to start on a loaded machine

  it('serves: migrates a new database, answers discovery, logs JSON lines with request ids, and stops cleanly on SIGTERM', async () => {
    const { child, issuer, exited, log } = await spawnScanin(testEnv(testDir(), { PORT: '0', LOG_LEVEL: 'info' }));
    expect(log.lines.find((line) => line.msg === 'Scanin is listening')).toMatchObject({ level: 'info', service: 'scanin', issuer, port: expect.any(Number), version: expect.any(String), node: process.version });

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

  it('serves with an empty clients.json, and warns that no application can sign in', async () => {
    const serving = await spawnScanin(testEnv(testDir(), {}, []));
    serving.child.kill('SIGTERM');
    expect(await serving.exited, serving.output()).toBe(0);
    const warnings = serving.output().split('\n').filter((line) => line.startsWith('{')).map((line) => JSON.parse(line) as { level: string; msg: string }).filter(({ level }) => level === 'warn');
    expect(warnings.map(({ msg }) => msg)).toContainEqual(expect.stringMatching(/clients\.json registers no clients: no application can sign in until one is added$/));
  });

  it('stops serve at start on a misspelt field in clients.json, with "did you mean"', async () => {
    const env = testEnv(testDir(), {}, [{ ...TEST_CLIENTS[0], first_party: undefined, frist_party: true }]);
    const result = await cli(SCANIN, ['serve'], env);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`scanin serve: ${env.CLIENTS_FILE}: client "test-public": unknown field "frist_party" (did you mean "first_party"?)`);
  });

  it('migrate says what it applied, then that there is nothing to apply', async () => {
    const env = testEnv(testDir());
    const first = await cli(SCANIN, ['migrate'], env);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toMatch(/^applied \d+ migration\(s\): 001_initial(, \w+)*\n$/);
    const again = await cli(SCANIN, ['migrate'], env);
    expect(again.stdout).toBe('nothing to apply: the database is up to date\n');
  });

  it('invite without ISSUER links to the issuer the server last started with', async () => {
    const { ISSUER: _unset, ...env } = scanin.env;
    const result = await cli(SCANIN, ['invite', 'dave@example.com'], { ...env, PORT: '3000' });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout.trim().split('\n').at(-1)).toMatch(new RegExp(`^${scanin.issuer}/e/`));
    expect(result.stderr).not.toContain('warning');
  });

  it('invite without ISSUER links to the instance running now, not to one started later and stopped; with none running, to the last started, said on stderr', async () => {
    const dir = testDir();
    const running = await startTestScanin({ dir });
    const stopped = await startTestScanin({ dir });
    await stopped.close();
    const { ISSUER: _unset, ...env } = running.env;
    const link = (result: Result) => result.stdout.trim().split('\n').at(-1);
    try {
      const result = await cli(SCANIN, ['invite', 'fay@example.com'], env);
      expect(result.code, result.stderr).toBe(0);
      expect(link(result)).toMatch(new RegExp(`^${running.issuer}/e/`));
      expect(result.stderr).not.toContain('warning');
      expect(link(await cli(SCANIN, ['invite', 'fay@example.com'], { ...env, ISSUER: 'https://id.example.com' }))).toMatch(/^https:\/\/id\.example\.com\/e\//);
    } finally {
      await running.close();
    }
    const none = await cli(SCANIN, ['invite', 'gus@example.com'], env);
    expect(none.code, none.stderr).toBe(0);
    expect(link(none)).toMatch(new RegExp(`^${stopped.issuer}/e/`));
    const warnings = none.stderr.split('\n').filter((line) => line && !line.includes('oidc-provider WARNING'));
    expect(warnings).toEqual([`scanin invite: warning: no Scanin is running on this database now, so the link uses the issuer it last started with, ${stopped.issuer}; set ISSUER to the URL Scanin is reached at`]);
  });

  it('invite without ISSUER on a database no server has started on warns that its link is a guess', async () => {
    const { PORT: _port, HOST: _host, ...env } = testEnv(testDir());
    const result = await cli(SCANIN, ['invite', 'erin@example.com'], env);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout.trim().split('\n').at(-1)).toMatch(/^http:\/\/localhost:3000\/e\//);
    const warnings = result.stderr.split('\n').filter((line) => line && !line.includes('oidc-provider WARNING'));
    expect(warnings).toEqual(['scanin invite: warning: Scanin has not started on this database yet, so the link assumes http://localhost:3000; set ISSUER to the URL Scanin is reached at']);
  });

  it('scanin-device approve without an enrolled key fails before it reads the request, which stays unscanned', async () => {
    const login = await openLoginPage(await discover(scanin.issuer));
    const keys = join(scanin.dir, 'nobody-keys.json');
    const result = await cli(DEVICE, ['--keys', keys, 'approve', login.qrUrl], {});
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe(`scanin-device: no device enrolled at ${scanin.issuer} in ${keys}: enroll one first\n`);
    const row = (await scanin.services.db('login_requests').where({ rid: login.rid }).first('status')) as { status: string };
    expect(row.status).toBe('pending');
  });

  it('says which option it does not know, with balanced quotes', async () => {
    const result = await scaninCli('invite', '--nme', 'x@example.com');
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('scanin invite: unknown option --nme (an argument that starts with "-" goes last, after "--", as in: -- --nme)');
    const device = await cli(DEVICE, ['approve', '--nmber', '12', 'http://x/q/y'], {});
    expect(device.code).toBe(2);
    expect(device.stderr).toContain('scanin-device: unknown option --nmber (an argument that starts with "-" goes last, after "--", as in: -- --nmber)');
  });

  it.each([
    ['a PostgreSQL role that does not exist', () => {
      const url = new URL(inject('postgresUrl'));
      url.username = 'no_such_role';
      return { url: url.href, says: `cannot connect to postgres://no_such_role@${url.host}${url.pathname} (role "no_such_role" does not exist)` };
    }],
    ['an SQLite file that cannot be written', () => ({ url: 'sqlite:/proc/scanin.db', says: 'cannot connect to /proc/scanin.db (SQLITE_CANTOPEN: unable to open database file)' })],
  ])('names DATABASE_URL, where it points and why in one line for %s, from any command', async (_what, target) => {
    const { url, says } = target();
    for (const command of ['users list', 'migrate', 'serve']) {
      const result = await cli(SCANIN, command.split(' '), testEnv(testDir(), { DATABASE_URL: url }));
      expect(result.code).toBe(1);
      const lines = result.stderr.split('\n').filter((line) => line && !line.includes('oidc-provider WARNING'));
      expect(lines).toEqual([`scanin ${command}: DATABASE_URL: ${says}`]);
    }
  });

  it('warns on stderr, and still runs, when a variable looks like one of Scanin\'s but is not', async () => {
    const result = await cli(SCANIN, ['users', 'list', '--json'], { ...scanin.env, DATABSE_URL: 'sqlite:/elsewhere.db', SCANIN_PORT: '80' });
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual(expect.any(Array));
    const warnings = result.stderr.split('\n').filter((line) => line && !line.includes('oidc-provider WARNING'));
    expect(warnings).toEqual([
      'scanin users list: warning: DATABSE_URL is not a variable Scanin reads, and is ignored: did you mean DATABASE_URL?',
      "scanin users list: warning: SCANIN_PORT is not a variable Scanin reads, and is ignored (see the README's Configuration)",
    ]);
  });

  it('stops with a message naming the variable when the configuration is wrong', async () => {
    const result = await cli(SCANIN, ['users', 'list'], { ...scanin.env, DATABASE_URL: 'mysql://nope' });
    expect(result.code, result.stderr).toBe(1);
    expect(result.stderr).toContain('DATABASE_URL: expected sqlite:<file> or postgres://');
  });
});
