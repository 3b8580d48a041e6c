import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Authenticator, DeviceApiError } from '../../src/authenticator/authenticator.ts';
import { FakeDeviceApi, ISSUER } from './fake-device-api.ts';

let dir: string;
let keysFile: string;
let api: FakeDeviceApi;
let device: Authenticator;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'scanin-authenticator-'));
  keysFile = join(dir, 'devices.json');
  api = new FakeDeviceApi();
  device = new Authenticator({ keysFile, fetch: api.fetch });
});
afterEach(() => rm(dir, { recursive: true, force: true }));

async function enrolled(): Promise<string> {
  const { device_id } = await device.enroll(api.addEnrollment(), { deviceName: 'test phone' });
  api.calls.length = 0;
  api.assertions.length = 0;
  return device_id;
}

describe('enroll', () => {
  it('fetches the enrollment, posts an assertion proving the new key, and keeps the key', async () => {
    const url = api.addEnrollment();
    const eid = url.split('/e/')[1]!;
    const result = await device.enroll(url, { deviceName: 'test phone' });

    expect(api.calls.map(({ method, url }) => `${method} ${url}`)).toEqual([
      `GET ${ISSUER}/device/v1/enrollments/${eid}`,
      `POST ${ISSUER}/device/v1/enrollments/${eid}`,
    ]);
    const [{ header, payload }] = api.assertions as [(typeof api.assertions)[0]];
    expect(header).toEqual({ alg: 'ES256', typ: 'scanin+jwt', jwk: api.devices.get(result.device_id) });
    expect(payload).toEqual({
      aud: ISSUER,
      iat: expect.any(Number),
      act: 'enroll',
      eid,
      chal: api.enrollments.get(eid)!.challenge,
      device_name: 'test phone',
    });
    expect(result).toEqual({
      device_id: expect.any(String),
      sub: 'user-1',
      status: 'active',
      device_name: 'test phone',
      issuer: ISSUER,
      account: { email: 'ann@example.com', name: 'Ann Example' },
    });
    expect(await device.list()).toEqual([
      {
        device_id: result.device_id,
        issuer: ISSUER,
        sub: 'user-1',
        email: 'ann@example.com',
        name: 'Ann Example',
        device_name: 'test phone',
        alg: 'ES256',
        public_jwk: api.devices.get(result.device_id),
        enrolled_at: expect.any(Number),
      },
    ]);
  });

  it('makes an Ed25519 key when asked for EdDSA', async () => {
    const result = await device.enroll(api.addEnrollment(), { alg: 'EdDSA' });
    expect(api.assertions[0]!.header.alg).toBe('EdDSA');
    expect(api.devices.get(result.device_id)).toMatchObject({ kty: 'OKP', crv: 'Ed25519' });
  });

  it('names the device after this host unless told otherwise', async () => {
    await device.enroll(api.addEnrollment());
    expect(api.assertions[0]!.payload.device_name).toMatch(/^scanin-device on /);
  });

  it('reports pending_confirmation for an added device', async () => {
    expect((await device.enroll(api.addEnrollment('add_device'))).status).toBe('pending_confirmation');
  });

  it('keeps the private key in a file only its owner can read', async () => {
    await device.enroll(api.addEnrollment());
    expect((await stat(keysFile)).mode & 0o777).toBe(0o600);
    expect(await readFile(keysFile, 'utf8')).toContain('"private_key"');
  });

  it('refuses a login URL, before any request', async () => {
    await expect(device.enroll(`${ISSUER}/q/${'a'.repeat(22)}`)).rejects.toThrow('expected an enrollment URL like https://id.example.com/e/<eid>, got a login request URL');
    expect(api.calls).toEqual([]);
  });

  it('refuses text that is not a Scanin URL', async () => {
    await expect(device.enroll('hello')).rejects.toThrow('not a Scanin URL: "hello"');
  });

  it('refuses an enrollment that names another issuer than the scanned URL, and keeps no key', async () => {
    api.issuerInAnswers = 'https://evil.example.com';
    await expect(device.enroll(api.addEnrollment())).rejects.toThrow(
      `enrollment.issuer (from the scanned URL): expected "${ISSUER}", got "https://evil.example.com"`,
    );
    expect(api.calls.map((call) => call.method)).toEqual(['GET']);
    expect(await device.list()).toEqual([]);
  });

  it('passes the server error on as a DeviceApiError', async () => {
    const url = api.addEnrollment();
    await device.enroll(url);
    const error = await device.enroll(url).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(DeviceApiError);
    expect(error).toMatchObject({ status: 409, error: 'already_answered', description: 'enrollment already answered' });
  });
});

describe('answering a login request', () => {
  it('fetches the request, then posts an approval signed by the enrolled device', async () => {
    const deviceId = await enrolled();
    const { url, request } = api.addLoginRequest();
    const result = await device.answer(url, 'approve');

    expect(api.calls.map(({ method, url }) => `${method} ${url}`)).toEqual([
      `GET ${ISSUER}/device/v1/requests/${request.rid}`,
      `POST ${ISSUER}/device/v1/requests/${request.rid}`,
    ]);
    expect(api.calls[1]!.body).toEqual({ assertion: expect.any(String) });
    expect(api.assertions[0]).toEqual({
      header: { alg: 'ES256', typ: 'scanin+jwt', kid: deviceId },
      payload: { aud: ISSUER, iat: expect.any(Number), act: 'login', rid: request.rid, chal: request.challenge, decision: 'approve' },
    });
    expect(result.status).toBe('approved');
    expect(result.request).toMatchObject({ rid: request.rid, client: { name: 'Demo RP' }, browser: { ip: '203.0.113.7' } });
  });

  it('denies', async () => {
    await enrolled();
    const { url } = api.addLoginRequest();
    expect((await device.answer(url, 'deny')).status).toBe('denied');
    expect(api.assertions[0]!.payload.decision).toBe('deny');
  });

  it('signs with an Ed25519 device too', async () => {
    await device.enroll(api.addEnrollment(), { alg: 'EdDSA' });
    expect((await device.answer(api.addLoginRequest().url, 'approve')).status).toBe('approved');
  });

  it('iat is the clock it is given, in seconds', async () => {
    await enrolled();
    const now = Date.now() + 30_000;
    await new Authenticator({ keysFile, fetch: api.fetch, now: () => now }).answer(api.addLoginRequest().url, 'approve');
    expect(api.assertions[0]!.payload.iat).toBe(Math.floor(now / 1000));
  });

  it('a clock too far off is refused by the server, with its error code', async () => {
    await enrolled();
    const slow = new Authenticator({ keysFile, fetch: api.fetch, now: () => Date.now() - 120_000 });
    await expect(slow.answer(api.addLoginRequest().url, 'approve')).rejects.toMatchObject({
      name: 'DeviceApiError',
      status: 401,
      error: 'invalid_assertion',
    });
  });

  it('an answered request cannot be answered again', async () => {
    await enrolled();
    const { url } = api.addLoginRequest();
    await device.answer(url, 'approve');
    await expect(device.answer(url, 'deny')).rejects.toThrow(new DeviceApiError(409, 'already_answered', 'request already answered'));
  });

  it('without an enrolled device for the issuer, fails before reading (a read is signed)', async () => {
    const { url } = api.addLoginRequest();
    await expect(device.answer(url, 'approve')).rejects.toThrow(`no device enrolled at ${ISSUER} in ${keysFile}: enroll one first`);
    expect(api.calls).toEqual([]);
  });

  it('answers with the device it is told to use', async () => {
    await enrolled();
    const second = await enrolled();
    await device.answer(api.addLoginRequest().url, 'approve', { deviceId: second });
    expect(api.assertions[0]!.header.kid).toBe(second);
  });

  it('refuses a device id it does not hold', async () => {
    await enrolled();
    await expect(device.answer(api.addLoginRequest().url, 'approve', { deviceId: 'nope' })).rejects.toThrow(`no device nope in ${keysFile}`);
  });

  it('refuses a request that names another issuer than the scanned URL', async () => {
    await enrolled();
    api.issuerInAnswers = 'https://evil.example.com';
    await expect(device.fetchLoginRequest(api.addLoginRequest().url)).rejects.toThrow('request.issuer (from the scanned URL)');
  });

  it('refuses an enrollment URL', async () => {
    await expect(device.fetchLoginRequest(api.addEnrollment())).rejects.toThrow('expected a login request URL');
  });

  it('a server that cannot be reached gives a plain error naming the URL and the cause', async () => {
    await enrolled();
    const offline = new Authenticator({ keysFile, fetch: (async () => { throw new TypeError('fetch failed', { cause: new Error('connect ECONNREFUSED') }); }) as typeof fetch });
    const url = `${ISSUER}/q/${'a'.repeat(22)}`;
    await expect(offline.fetchLoginRequest(url)).rejects.toThrow(`GET ${ISSUER}/device/v1/requests/${'a'.repeat(22)}: cannot reach the server (connect ECONNREFUSED)`);
  });

  it('an error page that is not a protocol error gives a plain error with the status', async () => {
    await enrolled();
    const proxy = new Authenticator({ keysFile, fetch: (async () => new Response('<h1>Bad Gateway</h1>', { status: 502 })) as typeof fetch });
    const error = await proxy.fetchLoginRequest(`${ISSUER}/q/${'a'.repeat(22)}`).catch((caught: unknown) => caught);
    expect(error).not.toBeInstanceOf(DeviceApiError);
    expect((error as Error).message).toMatch(/HTTP 502, expected a JSON body, got "<h1>Bad Gateway<\/h1>"/);
  });
});

describe('number matching', () => {
  it('approving sends the number the user picked', async () => {
    await enrolled();
    const { url } = api.addLoginRequest({ numberMatching: true });
    expect((await device.answer(url, 'approve', { number: '42' })).status).toBe('approved');
    expect(api.assertions[0]!.payload.num).toBe('42');
  });

  it('approving without a number fails before posting', async () => {
    await enrolled();
    const { url } = api.addLoginRequest({ numberMatching: true });
    await expect(device.answer(url, 'approve')).rejects.toThrow('this request asks which number the browser shows: one of 17, 42, 86');
    expect(api.calls.map((call) => call.method)).toEqual(['GET']);
  });

  it('a number that is not one of the choices fails before posting', async () => {
    await enrolled();
    const { url } = api.addLoginRequest({ numberMatching: true });
    await expect(device.answer(url, 'approve', { number: '99' })).rejects.toThrow('number "99" is not one of the choices 17, 42, 86');
    expect(api.calls.map((call) => call.method)).toEqual(['GET']);
  });

  it('a wrong choice is the server\'s wrong_number', async () => {
    await enrolled();
    const { url } = api.addLoginRequest({ numberMatching: true });
    await expect(device.answer(url, 'approve', { number: '17' })).rejects.toMatchObject({ status: 400, error: 'wrong_number' });
  });

  it('denying needs no number', async () => {
    await enrolled();
    const { url } = api.addLoginRequest({ numberMatching: true });
    expect((await device.answer(url, 'deny')).status).toBe('denied');
    expect(api.assertions[0]!.payload).not.toHaveProperty('num');
  });

  it('a number is not sent when the request shows none', async () => {
    await enrolled();
    await device.answer(api.addLoginRequest().url, 'approve', { number: '42' });
    expect(api.assertions[0]!.payload).not.toHaveProperty('num');
  });
});
