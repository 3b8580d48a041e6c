// The device vault and the device-request authentication it uses (`Authorization: Scanin <JWS>`):
// each device reads and writes only its own blob, every request is signed over method, URL and
// body with a fresh jti, and a write based on a stale version is refused, never lost.
import { createHash, randomBytes } from 'node:crypto';
import { Agent, request } from 'undici';
import { describe, expect, it } from 'vitest';
import { deviceHeader, requestAuthorization, signAssertion } from '../../src/authenticator/assertion.ts';
import { generateDeviceKey, type DeviceKey } from '../../src/authenticator/keys.ts';
import { revokeDevice } from '../../src/store/devices.ts';
import { findVault } from '../../src/store/vaults.ts';
import { enrollDevice, expectError, useScaninWithPhone, type Answer, type TestDevice } from '../helpers/device.ts';

const world = useScaninWithPhone();
const VAULT = '/device/v1/vault';

type Signed = { method?: 'GET' | 'PUT'; body?: string; claims?: Record<string, unknown>; key?: DeviceKey; authorization?: string | null; contentType?: string };

/** The claims a device signs for one vault request; `overrides` replace (or, when undefined, remove) them. */
function claims(method: string, body: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const payload: Record<string, unknown> = {
    aud: world.scanin.issuer,
    iat: world.scanin.services.clock(),
    act: 'vault',
    htm: method,
    htu: `${world.scanin.issuer}${VAULT}`,
    body_sha256: createHash('sha256').update(body).digest('base64url'),
    jti: randomBytes(16).toString('base64url'),
  };
  for (const [name, value] of Object.entries(overrides)) {
    if (value === undefined) delete payload[name];
    else payload[name] = value;
  }
  return payload;
}

function authorizationFor(device: TestDevice, method: string, body: string, options: Signed): string {
  const payload = claims(method, body, options.claims);
  return `Scanin ${signAssertion(options.key ?? device.key, deviceHeader(device.key), payload)}`;
}

async function send(method: string, body: string | undefined, authorization: string | null, contentType = 'application/json', agent?: Agent): Promise<Answer> {
  const response = await request(`${world.scanin.issuer}${VAULT}`, {
    method: method as 'GET',
    headers: {
      accept: 'application/json',
      ...(authorization === null ? {} : { authorization }),
      ...(body === undefined ? {} : { 'content-type': contentType }),
    },
    body,
    ...(agent ? { dispatcher: agent } : {}),
  });
  const text = await response.body.text();
  let parsed: Record<string, unknown> = {};
  try {
    parsed = JSON.parse(text) as Record<string, unknown>;
  } catch {
    // Left empty: the status assertion says what arrived.
  }
  return { status: response.statusCode, body: parsed, text, headers: response.headers };
}

function vaultCall(device: TestDevice, options: Signed = {}): Promise<Answer> {
  const method = options.method ?? 'GET';
  const body = options.body ?? '';
  const authorization = options.authorization === undefined ? authorizationFor(device, method, body, options) : options.authorization;
  return send(method, method === 'GET' ? undefined : body, authorization, options.contentType);
}

const writeBody = (version: number, data: string) => JSON.stringify({ version, data });
const put = (device: TestDevice, version: number, data: string, options: Signed = {}) =>
  vaultCall(device, { method: 'PUT', body: writeBody(version, data), ...options });

async function freshDevice(): Promise<TestDevice> {
  return enrollDevice(world.scanin, `vault-${randomBytes(4).toString('hex')}@example.com`);
}

/** The device's stored vault, to show a refused call changed nothing. */
async function stored(device: TestDevice) {
  return findVault(world.scanin.services.db, device.id);
}

describe('GET and PUT /device/v1/vault', () => {
  it('a device with no vault reads version 0 and no data', async () => {
    const answer = await vaultCall(await freshDevice());
    expect(answer.status, answer.text).toBe(200);
    expect(answer.body).toEqual({ version: 0, data: null, updated_at: null });
    expect(answer.headers['cache-control']).toBe('no-store');
  });

  it('each write names the version it replaces and gets the next; a read returns the last write', async () => {
    const device = await freshDevice();
    const first = await put(device, 0, 'c2VhbGVkLTE');
    expect(first.status, first.text).toBe(200);
    expect(first.body).toEqual({ version: 1, updated_at: world.scanin.services.clock() });
    expect((await put(device, 1, 'c2VhbGVkLTI')).body.version).toBe(2);
    const read = await vaultCall(device);
    expect(read.body).toMatchObject({ version: 2, data: 'c2VhbGVkLTI' });
  });

  it('each device has its own vault: another device of the same server neither sees nor changes it', async () => {
    const [one, two] = [await freshDevice(), await freshDevice()];
    await put(one, 0, 'b25l');
    expect((await vaultCall(two)).body).toEqual({ version: 0, data: null, updated_at: null });
    expect((await put(two, 0, 'dHdv')).status).toBe(200);
    expect((await vaultCall(one)).body.data).toBe('b25l');
  });

  it('a write over a stale version gets 409 version_conflict with the current version, and the vault is unchanged', async () => {
    const device = await freshDevice();
    await put(device, 0, 'djE');
    await put(device, 1, 'djI');
    for (const stale of [0, 1, 5]) {
      const answer = await put(device, stale, 'bG9zdA');
      expectError(answer, 409, 'version_conflict');
      expect(answer.body.version).toBe(2);
    }
    expect(await stored(device)).toMatchObject({ version: 2, data: 'djI' });
  });

  it('of concurrent writes over the same version exactly one wins, the others get 409 (first write and later ones)', async () => {
    const device = await freshDevice();
    for (const version of [0, 1]) {
      // Separate connections, so the writes really are in flight at once.
      const agents = Array.from({ length: 8 }, () => new Agent());
      const answers = await Promise.all(agents.map((agent, index) => {
        const body = writeBody(version, `d3JpdGVy${index}`);
        return send('PUT', body, authorizationFor(device, 'PUT', body, {}), 'application/json', agent);
      }));
      await Promise.all(agents.map((agent) => agent.destroy()));
      expect(answers.map((answer) => answer.status).sort()).toEqual([200, 409, 409, 409, 409, 409, 409, 409]);
      const winner = answers.findIndex((answer) => answer.status === 200);
      expect(await stored(device)).toMatchObject({ version: version + 1, data: `d3JpdGVy${winner}` });
    }
  });

  it('a PUT body that is not {version, data} gets 400 invalid_request and changes nothing', async () => {
    const device = await freshDevice();
    await put(device, 0, 'a2VlcA');
    const bodies: Array<[string, string?]> = [
      ['not json'],
      ['[1]'],
      ['{"data":"eA"}'],
      ['{"version":"1","data":"eA"}'],
      ['{"version":-1,"data":"eA"}'],
      ['{"version":1.5,"data":"eA"}'],
      ['{"version":1}'],
      ['{"version":1,"data":""}'],
      ['{"version":1,"data":"not base64url!"}'],
      ['{"version":1,"data":"eA"}', 'text/plain'],
    ];
    for (const [body, contentType] of bodies) {
      expectError(await vaultCall(device, { method: 'PUT', body, ...(contentType ? { contentType } : {}) }), 400, 'invalid_request');
    }
    expect(await stored(device)).toMatchObject({ version: 1, data: 'a2VlcA' });
  });

  it('a body over 64 KiB gets 413 payload_too_large before anything is checked; 64 KiB exactly is accepted', async () => {
    const device = await freshDevice();
    const envelope = writeBody(0, '').length;
    const exact = writeBody(0, 'A'.repeat(64 * 1024 - envelope));
    expect(Buffer.byteLength(exact)).toBe(64 * 1024);
    expect((await vaultCall(device, { method: 'PUT', body: exact })).status).toBe(200);
    const over = writeBody(1, 'A'.repeat(64 * 1024 - envelope + 1));
    const agent = new Agent();
    try {
      expectError(await send('PUT', over, authorizationFor(device, 'PUT', over, {}), 'application/json', agent), 413, 'payload_too_large');
    } finally {
      await agent.destroy();
    }
    expect((await stored(device))?.version).toBe(1);
  });

  it('only GET and PUT: another method gets 405 invalid_request', async () => {
    expectError(await send('DELETE', undefined, null), 405, 'invalid_request');
    expectError(await send('POST', '{}', null), 405, 'invalid_request');
  });

  it('a preflight from a web authenticator on another origin may PUT with Authorization', async () => {
    const response = await request(`${world.scanin.issuer}${VAULT}`, {
      method: 'OPTIONS',
      headers: { origin: 'https://app.example', 'access-control-request-method': 'PUT', 'access-control-request-headers': 'authorization,content-type' },
    });
    await response.body.text();
    expect(response.statusCode).toBe(204);
    expect(response.headers['access-control-allow-methods']).toMatch(/PUT/);
    expect(String(response.headers['access-control-allow-headers'])).toMatch(/authorization/i);
  });
});

describe('Authorization: Scanin <JWS> — who may call', () => {
  it('no Authorization header gets 401 invalid_assertion with WWW-Authenticate: Scanin', async () => {
    const answer = await send('GET', undefined, null);
    expectError(answer, 401, 'invalid_assertion');
    expect(answer.headers['www-authenticate']).toBe('Scanin');
  });

  it('another scheme, or no JWS after it, gets 401 invalid_assertion', async () => {
    const phone = world.phone;
    const jws = authorizationFor(phone, 'GET', '', {}).slice('Scanin '.length);
    for (const authorization of [`Bearer ${jws}`, 'Scanin', 'Scanin ', `Scanin ${jws} extra`, jws]) {
      expectError(await vaultCall(phone, { authorization }), 401, 'invalid_assertion');
    }
  });

  it('the scheme name is case-insensitive', async () => {
    const authorization = authorizationFor(world.phone, 'GET', '', {}).replace(/^Scanin/, 'scanin');
    expect((await vaultCall(world.phone, { authorization })).status).toBe(200);
  });

  it('a malformed JWS gets 401 invalid_assertion', async () => {
    for (const jws of ['a.b', 'a..c', 'e30.e30.', '!!.e30.AAAA', 'bm90IGpzb24.e30.AAAA']) {
      expectError(await vaultCall(world.phone, { authorization: `Scanin ${jws}` }), 401, 'invalid_assertion');
    }
  });

  it('a kid no device has gets 401 unknown_device', async () => {
    const stranger = generateDeviceKey('ES256');
    const authorization = `Scanin ${signAssertion(stranger, deviceHeader(stranger), claims('GET', ''))}`;
    expectError(await vaultCall(world.phone, { authorization }), 401, 'unknown_device');
  });

  it('the kid of an enrolled device with a signature by another key gets 401 invalid_assertion and changes nothing', async () => {
    const device = await freshDevice();
    await put(device, 0, 'bWluZQ');
    expectError(await put(device, 1, 'dGhlaXJz', { key: generateDeviceKey('ES256') }), 401, 'invalid_assertion');
    expectError(await put(device, 1, 'dGhlaXJz', { key: world.phone.key }), 401, 'invalid_assertion');
    expect(await stored(device)).toMatchObject({ version: 1, data: 'bWluZQ' });
  });

  it('a revoked device gets 403 device_revoked, for reads and writes', async () => {
    const device = await freshDevice();
    await put(device, 0, 'c2VjcmV0');
    expect(await revokeDevice(world.scanin.services.db, device.id, world.scanin.services.clock())).toBe(true);
    expectError(await vaultCall(device), 403, 'device_revoked');
    expectError(await put(device, 1, 'bmV3'), 403, 'device_revoked');
    expect(await stored(device)).toMatchObject({ version: 1, data: 'c2VjcmV0' });
  });

  it('a device waiting for confirmation gets 403 device_pending', async () => {
    const device = await freshDevice();
    await world.scanin.services.db('devices').where({ id: device.id }).update({ status: 'pending_confirmation' });
    expectError(await vaultCall(device), 403, 'device_pending');
    expectError(await put(device, 0, 'bm90IHlldA'), 403, 'device_pending');
    expect(await stored(device)).toBeUndefined();
  });

  it('an EdDSA device uses its vault too', async () => {
    const device = await enrollDevice(world.scanin, 'vault-ed@example.com', 'EdDSA');
    expect((await put(device, 0, 'ZWQ')).status).toBe(200);
    expect((await vaultCall(device)).body.data).toBe('ZWQ');
  });
});

describe('the payload binds one request: aud, iat, act, htm, htu, body_sha256, jti', () => {
  it.each([
    ['aud another issuer', { aud: 'https://evil.example' }],
    ['aud missing', { aud: undefined }],
    ['act "login"', { act: 'login' }],
    ['act "inbox" (another endpoint family)', { act: 'inbox' }],
    ['htm POST', { htm: 'POST' }],
    ['htm "get" (lower case)', { htm: 'get' }],
    ['htm missing', { htm: undefined }],
    ['htu of another endpoint', { htu: 'PATH:/device/v1/inbox' }],
    ['htu with a trailing slash', { htu: 'PATH:/device/v1/vault/' }],
    ['htu of another issuer', { htu: 'https://evil.example/device/v1/vault' }],
    ['htu with a query', { htu: 'PATH:/device/v1/vault?x=1' }],
    ['body_sha256 of another body', { body_sha256: createHash('sha256').update('{}').digest('base64url') }],
    ['body_sha256 as hex', { body_sha256: createHash('sha256').update('').digest('hex') }],
    ['body_sha256 missing', { body_sha256: undefined }],
    ['jti missing', { jti: undefined }],
    ['jti too short', { jti: 'abc' }],
    ['jti a number', { jti: 1234567890123456 }],
  ])('a GET signed with %s gets 401 invalid_assertion', async (_name, overrides) => {
    const fixed = Object.fromEntries(Object.entries(overrides).map(([claim, value]) => [
      claim,
      typeof value === 'string' && value.startsWith('PATH:') ? `${world.scanin.issuer}${value.slice(5)}` : value,
    ]));
    expectError(await vaultCall(world.phone, { claims: fixed }), 401, 'invalid_assertion');
  });

  it('a GET assertion sent with a PUT (method and body swapped) gets 401 and writes nothing', async () => {
    const device = await freshDevice();
    const authorization = authorizationFor(device, 'GET', '', {});
    expectError(await put(device, 0, 'c3dhcA', { authorization }), 401, 'invalid_assertion');
    expect(await stored(device)).toBeUndefined();
  });

  it('a PUT whose body was changed after signing gets 401 and writes nothing', async () => {
    const device = await freshDevice();
    const authorization = authorizationFor(device, 'PUT', writeBody(0, 'b3JpZ2luYWw'), {});
    expectError(await put(device, 0, 'dGFtcGVyZWQ', { authorization }), 401, 'invalid_assertion');
    expect(await stored(device)).toBeUndefined();
  });

  it('a request sent again (same Authorization, same body) gets 401 invalid_assertion: a jti is used once', async () => {
    const device = await freshDevice();
    const body = writeBody(0, 'b25jZQ');
    const authorization = authorizationFor(device, 'PUT', body, {});
    expect((await put(device, 0, 'b25jZQ', { authorization })).status).toBe(200);
    const replay = await put(device, 0, 'b25jZQ', { authorization });
    expectError(replay, 401, 'invalid_assertion');
    expect(replay.body.error_description).toMatch(/jti/);
    const read = authorizationFor(device, 'GET', '', {});
    expect((await vaultCall(device, { authorization: read })).status).toBe(200);
    expectError(await vaultCall(device, { authorization: read }), 401, 'invalid_assertion');
  });

  it('the same request sent twice at once: exactly one is accepted', async () => {
    const device = await freshDevice();
    const authorization = authorizationFor(device, 'GET', '', {});
    const agents = Array.from({ length: 6 }, () => new Agent());
    const answers = await Promise.all(agents.map((agent) => send('GET', undefined, authorization, 'application/json', agent)));
    await Promise.all(agents.map((agent) => agent.destroy()));
    expect(answers.map((answer) => answer.status).sort()).toEqual([200, 401, 401, 401, 401, 401]);
  });

  it('two devices may use the same jti: it is unique per device', async () => {
    const jti = randomBytes(16).toString('base64url');
    const other = await freshDevice();
    expect((await vaultCall(world.phone, { claims: { jti } })).status).toBe(200);
    expect((await vaultCall(other, { claims: { jti } })).status).toBe(200);
  });

  it('iat is accepted 60 s either side of the server clock and refused at 61 s', async () => {
    const { scanin } = world;
    const now = scanin.clock.freeze();
    try {
      for (const iat of [now - 60, now + 60]) expect((await vaultCall(world.phone, { claims: { iat } })).status, `iat ${iat - now}`).toBe(200);
      for (const iat of [now - 61, now + 61]) expectError(await vaultCall(world.phone, { claims: { iat } }), 401, 'clock_skew');
      expectError(await vaultCall(world.phone, { claims: { iat: `${now}` } }), 401, 'invalid_assertion');
    } finally {
      scanin.clock.release();
    }
  });

  it('the reference authenticator signs what the server accepts', async () => {
    const body = writeBody(0, 'cmVm');
    const device = await freshDevice();
    const authorization = requestAuthorization(device.key, {
      issuer: world.scanin.issuer,
      act: 'vault',
      method: 'PUT',
      url: `${world.scanin.issuer}${VAULT}`,
      body: Buffer.from(body),
      iat: world.scanin.services.clock(),
    });
    expect((await put(device, 0, 'cmVm', { authorization })).status).toBe(200);
  });
});
