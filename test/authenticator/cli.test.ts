import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli, type CliIo } from '../../src/authenticator/cli.ts';
import { FakeDeviceApi, ISSUER } from './fake-device-api.ts';

let dir: string;
let keysFile: string;
let api: FakeDeviceApi;
let out: string[];
let err: string[];

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'scanin-cli-'));
  keysFile = join(dir, 'devices.json');
  api = new FakeDeviceApi();
  out = [];
  err = [];
});
afterEach(() => rm(dir, { recursive: true, force: true }));

function io(overrides: Partial<CliIo> = {}): CliIo {
  return {
    out: (line) => out.push(line),
    err: (line) => err.push(line),
    env: { SCANIN_DEVICE_KEYS: keysFile },
    ask: null,
    fetch: api.fetch,
    ...overrides,
  };
}

const cli = (argv: string[], overrides?: Partial<CliIo>) => runCli(argv, io(overrides));

async function enroll(): Promise<void> {
  expect(await cli(['enroll', api.addEnrollment(), '--name', 'cli phone'])).toBe(0);
  out.length = 0;
  api.assertions.length = 0;
}

describe('scanin-device', () => {
  it('--help shows the commands', async () => {
    expect(await cli(['--help'])).toBe(0);
    expect(out.join('\n')).toMatch(/^Usage: scanin-device \[--keys FILE\] <command>/);
  });

  it('<command> --help shows that command', async () => {
    expect(await cli(['approve', '--help'])).toBe(0);
    expect(out.join('\n')).toMatch(/^Usage: scanin-device approve <url> \[--number NN\]/);
  });

  it.each([
    [[], 'no command given'],
    [['frob'], 'unknown command "frob"'],
    [['approve'], 'approve takes <url>, got 0 argument(s)'],
    [['list', 'extra'], 'list takes no arguments, got 1 argument(s)'],
    [['enroll', 'https://x.example/e/abc', '--alg', 'RS256'], '--alg must be ES256 or EdDSA, got "RS256"'],
    [['deny', 'https://x.example/q/abc', '--number', '42'], 'unknown option --number (an argument that starts with "-" goes last, after "--", as in: -- --number)'],
  ])('usage error %j exits 2: %s', async (argv, message) => {
    expect(await cli(argv)).toBe(2);
    expect(err.join('\n')).toContain(message);
    expect(err.join('\n')).toContain('Usage: scanin-device');
  });

  it('enroll keeps the key in $SCANIN_DEVICE_KEYS and list shows it', async () => {
    expect(await cli(['enroll', api.addEnrollment(), '--name', 'cli phone', '--alg', 'EdDSA'])).toBe(0);
    const [deviceId] = api.devices.keys();
    expect(out).toEqual([`Enrolled device ${deviceId} for Ann Example <ann@example.com> at ${ISSUER}`, 'status: active']);
    out.length = 0;
    expect(await cli(['list'])).toBe(0);
    expect(out[0]).toBe(`${deviceId}  EdDSA  Ann Example <ann@example.com>  ${ISSUER}`);
    expect(out[1]).toMatch(/^ {2}"cli phone", enrolled \d{4}-\d\d-\d\dT/);
  });

  it('--keys, before or after the command, wins over $SCANIN_DEVICE_KEYS', async () => {
    const other = join(dir, 'other.json');
    expect(await cli(['--keys', other, 'enroll', api.addEnrollment()])).toBe(0);
    expect(await cli(['list'])).toBe(0);
    expect(out.at(-1)).toBe(`No devices enrolled in ${keysFile}.`);
    expect(await cli(['list', '--keys', other])).toBe(0);
    expect(out.at(-2)).toMatch(/ES256 {2}Ann Example/);
  });

  it('an added device is told to be confirmed in the browser', async () => {
    expect(await cli(['enroll', api.addEnrollment('add_device')])).toBe(0);
    expect(out.slice(1)).toEqual(['status: pending_confirmation', 'Confirm this device in the browser that showed the QR code.']);
  });

  it('approve shows who is asking, then approves', async () => {
    await enroll();
    expect(await cli(['approve', api.addLoginRequest().url], { now: () => Date.now() })).toBe(0);
    expect(out[0]).toBe('Login request from Demo RP (client_id demo-rp)');
    expect(out[1]).toBe('  browser: Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0');
    expect(out[2]).toBe('  IP:      203.0.113.7');
    expect(out[3]).toBe('  place:   Germany');
    expect(out[4]).toMatch(/^ {2}asked: {3}[45] s ago$/);
    expect(out[5]).toMatch(/^ {2}expires: \d{4}-\d\d-\d\dT\S+Z \(in (59|60) s\)$/);
    expect(out[6]).toBe('approved');
  });

  it("approve says when the app's access rules keep the account out", async () => {
    await enroll();
    expect(await cli(['approve', api.addLoginRequest({ noAccess: true }).url])).toBe(0);
    expect(out.slice(-2)).toEqual(['approved', "You don't have access to Demo RP: ask your administrator. The sign-in ends there."]);
  });

  it('deny shows who is asking, then denies', async () => {
    await enroll();
    expect(await cli(['deny', api.addLoginRequest().url])).toBe(0);
    expect(out.at(-1)).toBe('denied');
  });

  it('approve takes the number from --number', async () => {
    await enroll();
    expect(await cli(['approve', api.addLoginRequest({ numberMatching: true }).url, '--number', '42'])).toBe(0);
    expect(out.at(-1)).toBe('approved');
  });

  it('approve asks for the number on a terminal until it is one of the three', async () => {
    await enroll();
    const answers = ['99', ' 42 '];
    const questions: string[] = [];
    const ask = async (question: string) => {
      questions.push(question);
      return answers.shift() ?? null;
    };
    expect(await cli(['approve', api.addLoginRequest({ numberMatching: true }).url], { ask })).toBe(0);
    expect(questions).toEqual(Array(2).fill('Which number does the browser show? [17 / 42 / 86] '));
    expect(err).toEqual(['Type one of 17, 42, 86.']);
    expect(api.assertions[0]!.payload.num).toBe('42');
  });

  it('approve --uv METHOD signs uv: true and uvm: METHOD', async () => {
    await enroll();
    expect(await cli(['approve', api.addLoginRequest().url, '--uv', 'fingerprint'])).toBe(0);
    expect(api.assertions[0]!.payload).toMatchObject({ decision: 'approve', uv: true, uvm: 'fingerprint' });
  });

  it('approve --uv with an unknown method is a usage error, and nothing is answered', async () => {
    await enroll();
    expect(await cli(['approve', api.addLoginRequest().url, '--uv', 'retina'])).toBe(2);
    expect(err[0]).toMatch(/^scanin-device: --uv must be one of pin, fingerprint, face, platform, got "retina"\n/);
    expect(api.assertions).toEqual([]);
  });

  it('approve without --number and without a terminal fails before answering', async () => {
    await enroll();
    expect(await cli(['approve', api.addLoginRequest({ numberMatching: true }).url])).toBe(1);
    expect(err).toEqual(['scanin-device: the browser shows a number: pass --number with the one it shows (17, 42, 86)']);
    expect(api.assertions).toEqual([]);
  });

  it('a server error exits 1 with the error code and description', async () => {
    await enroll();
    const { url } = api.addLoginRequest();
    expect(await cli(['approve', url])).toBe(0);
    expect(await cli(['approve', url])).toBe(1);
    expect(err).toEqual(['scanin-device: already_answered: request already answered (HTTP 409)']);
  });

  it('approving without an enrolled device exits 1', async () => {
    expect(await cli(['approve', api.addLoginRequest().url])).toBe(1);
    expect(err[0]).toContain('no device enrolled at');
  });
});

describe('bin.js', () => {
  const bin = join(import.meta.dirname, '../../src/authenticator/bin.js');
  const run = (args: string[]) =>
    promisify(execFile)(process.execPath, [bin, ...args]).then(
      ({ stdout }) => ({ code: 0, stdout, stderr: '' }),
      (error: { code: number; stdout: string; stderr: string }) => error,
    );

  it('runs the TypeScript sources as they are, and exits 0 on --help', async () => {
    const { code, stdout } = await run(['--help']);
    expect(code).toBe(0);
    expect(stdout).toContain('Usage: scanin-device');
  });

  it('exits 2 on a usage error', async () => {
    const { code, stderr } = await run(['frob']);
    expect(code).toBe(2);
    expect(stderr).toContain('unknown command "frob"');
  });
});
