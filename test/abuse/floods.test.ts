// Floods, against a running Scanin: what one address can make the server do and store.
// Addresses are played through a trusted loopback proxy (TRUST_PROXY=127.0.0.1 and
// X-Forwarded-For), so one test process can be several clients.
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requestAuthorization } from '../../src/authenticator/assertion.ts';
import { startScanin } from '../../src/server.ts';
import { findVault } from '../../src/store/vaults.ts';
import { enrollDevice, type TestDevice } from '../helpers/device.ts';
import { loadConfig } from '../../src/config/env.ts';
import { findLoginRequest } from '../../src/store/loginRequests.ts';
import { TestBrowser } from '../helpers/browser.ts';
import { completeLogin, enrolledPhone, openEvents, openLoginPage } from '../helpers/login.ts';
import { authorizationRequest, discover } from '../helpers/rp.ts';
import { startTestScanin, type TestScanin } from '../helpers/scanin.ts';
import { EventStream } from '../helpers/sse.ts';

const from = (ip: string) => new TestBrowser(undefined, { 'x-forwarded-for': ip });
const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

async function rows(scanin: TestScanin, table: string): Promise<number> {
  const [row] = (await scanin.services.db(table).count({ count: '*' })) as Array<{ count: number | string }>;
  return Number(row!.count);
}

describe('sign-ins started from one address', () => {
  let scanin: TestScanin;

  beforeAll(async () => {
    scanin = await startTestScanin({ env: { TRUST_PROXY: '127.0.0.1', RATE_LIMITS: 'auth_ip=5/3600,auth_account=3/3600' } });
  });
  afterAll(async () => {
    await scanin?.close();
  });

  it('get 429 with Retry-After and a readable page past the limit, while another address still signs in', async () => {
    const config = await discover(scanin.issuer);
    const flooder = from('198.51.100.66');
    for (let i = 0; i < 5; i++) expect((await flooder.fetch((await authorizationRequest(config)).url)).status).toBe(303);
    const interactions = await rows(scanin, 'oidc_payloads');

    const refused = await flooder.fetch((await authorizationRequest(config)).url);
    expect(refused.status).toBe(429);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    expect(refused.headers['content-type']).toMatch(/^text\/html/);
    expect(refused.body).toContain('Too many attempts');
    expect(await rows(scanin, 'oidc_payloads')).toBe(interactions);

    const phone = await enrolledPhone(scanin, 'other-address@example.com');
    const login = await openLoginPage(config, from('203.0.113.5'));
    await phone.answer(login.qrUrl, 'approve');
    expect(await completeLogin(scanin, login)).toContain('code=');
  });

  it('count against the account a login_hint names, from any address', async () => {
    const config = await discover(scanin.issuer);
    const hinted = async (ip: string) => {
      const auth = await authorizationRequest(config);
      return (await from(ip).fetch(`${auth.url}&login_hint=ann%40example.com`)).status;
    };
    expect([await hinted('192.0.2.1'), await hinted('192.0.2.2'), await hinted('192.0.2.3')]).toEqual([303, 303, 303]);
    expect(await hinted('192.0.2.4')).toBe(429);
  });

  it('count a login_hint in a pushed request (PAR) like one in the query; a POST form or a request object is refused and stores nothing', async () => {
    const config = await discover(scanin.issuer);
    const hint = 'bea@example.com';
    const paramsWithHint = async () => new URL((await authorizationRequest(config, undefined, { login_hint: hint })).url).searchParams;
    const viaQuery = async (ip: string) => (await from(ip).fetch(`${(await authorizationRequest(config)).url}&login_hint=${encodeURIComponent(hint)}`)).status;
    const viaPushed = async (ip: string) => {
      const pushed = await request(`${scanin.issuer}/request`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-forwarded-for': ip },
        body: (await paramsWithHint()).toString(),
      });
      const { request_uri } = (await pushed.body.json()) as { request_uri: string };
      expect(pushed.statusCode).toBe(201);
      // The hint is only in the pushed request now, not in what the browser sends.
      return from(ip).fetch(`${scanin.issuer}/auth?client_id=test-public&request_uri=${encodeURIComponent(request_uri)}`);
    };
    const interactions = async () => Number(((await scanin.services.db('oidc_payloads').where({ model: 'Interaction' }).count({ count: '*' }))[0] as { count: number | string }).count);

    // The engine serves /auth by GET only, and takes no request objects: neither can carry a
    // hint past the count, and neither stores anything.
    const before = await interactions();
    const posted = await from('192.0.2.10').fetch(`${scanin.issuer}/auth`, { method: 'POST', form: Object.fromEntries(await paramsWithHint()) });
    expect(posted.status).toBe(404);
    const unsignedObject = `${b64({ alg: 'none' })}.${b64({ ...Object.fromEntries(await paramsWithHint()) })}.`;
    const withObject = await from('192.0.2.10').fetch(`${(await authorizationRequest(config)).url}&request=${unsignedObject}`);
    expect(withObject.location ?? '').toContain('error=request_not_supported');
    expect(await interactions()).toBe(before);

    expect([(await viaPushed('192.0.2.12')).status, await viaQuery('192.0.2.13'), (await viaPushed('192.0.2.14')).status]).toEqual([303, 303, 303]);
    const refused = await viaPushed('192.0.2.15');
    expect(refused.status).toBe(429);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    expect(refused.body).toContain('Too many attempts');
    expect(refused.body).toContain('Too many sign-ins were started for this account');
    expect(await viaQuery('192.0.2.16')).toBe(429);
    // Refused before the engine stored an interaction.
    expect(await interactions()).toBe(before + 3);
  });

  it('still holds after a restart: the counts are in the database', async () => {
    const config = await discover(scanin.issuer);
    await scanin.close();
    // The same address and database: only the counts written to it can refuse now.
    const restarted = await startScanin(loadConfig({ ...scanin.env, PORT: new URL(scanin.issuer).port }));
    scanin = Object.assign(restarted, { dir: scanin.dir, env: scanin.env, config: scanin.config });
    expect((await from('198.51.100.66').fetch((await authorizationRequest(config)).url)).status).toBe(429);
    expect((await from('198.51.100.67').fetch((await authorizationRequest(config)).url)).status).toBe(303);
  });
});

describe('CIBA requests naming one person', () => {
  const CIBA = 'urn:openid:params:grant-type:ciba';
  const SECRET = 'flooding-app-secret-that-is-long-enough-0123';
  let scanin: TestScanin;

  beforeAll(async () => {
    scanin = await startTestScanin({
      env: { RATE_LIMITS: 'auth_account=2/3600' },
      clients: [{ client_id: 'ops', client_name: 'Ops CLI', client_secret: SECRET, grant_types: [CIBA], backchannel_token_delivery_mode: 'poll' }],
    });
  });
  afterAll(async () => {
    await scanin?.close();
  });

  it("count against the person, so an app cannot flood their phone: past the limit 429 JSON with Retry-After, and nothing reaches the inbox", async () => {
    const phone = await enrolledPhone(scanin, 'fay@example.com', 'fay.json');
    const ask = () =>
      request(`${scanin.issuer}/backchannel`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`ops:${SECRET}`).toString('base64')}` },
        body: new URLSearchParams({ scope: 'openid', login_hint: 'Fay@Example.com', binding_message: 'Desk-7' }).toString(),
      });
    for (let i = 0; i < 2; i++) {
      const started = await ask();
      expect(started.statusCode).toBe(200);
      await started.body.text();
    }
    const refused = await ask();
    expect(refused.statusCode).toBe(429);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    expect(await refused.body.json()).toMatchObject({ error: 'rate_limited' });
    expect(await phone.inbox(scanin.issuer)).toHaveLength(2);
  });
});

describe('the device API from one address', () => {
  let scanin: TestScanin;

  beforeAll(async () => {
    scanin = await startTestScanin({ env: { TRUST_PROXY: '127.0.0.1', RATE_LIMITS: 'request_read_ip=3/3600,enroll_ip=2/3600' } });
  });
  afterAll(async () => {
    await scanin?.close();
  });

  it('answers 429 as JSON with Retry-After past the read limit, and the refused read marks nothing', async () => {
    const login = await openLoginPage(await discover(scanin.issuer));
    const read = (ip: string, rid: string) =>
      request(`${scanin.issuer}/device/v1/requests/${rid}`, { headers: { 'x-forwarded-for': ip, accept: 'application/json' } });
    for (let i = 0; i < 3; i++) await (await read('198.51.100.7', 'AAAAAAAAAAAAAAAAAAAAAA')).body.text();
    const refused = await read('198.51.100.7', login.rid);
    expect(refused.statusCode).toBe(429);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    expect(await refused.body.json()).toMatchObject({ error: 'rate_limited' });
    expect((await findLoginRequest(scanin.services.db, login.rid))!.status).toBe('pending');

    const other = await read('198.51.100.8', login.rid);
    expect(other.statusCode).toBe(200);
    await other.body.text();
  });

  it('limits enrollment reads per address', async () => {
    const statuses = [];
    for (let i = 0; i < 3; i++) {
      const answer = await request(`${scanin.issuer}/device/v1/enrollments/AAAAAAAAAAAAAAAAAAAAAA`, { headers: { 'x-forwarded-for': '198.51.100.9' } });
      await answer.body.text();
      statuses.push(answer.statusCode);
    }
    expect(statuses).toEqual([404, 404, 429]);
  });
});

describe("a device's own calls (vault, inbox), per address and per device", () => {
  let scanin: TestScanin;

  beforeAll(async () => {
    scanin = await startTestScanin({
      env: { TRUST_PROXY: '127.0.0.1', RATE_LIMITS: 'vault_ip=5/3600,vault_device=3/3600,inbox_ip=5/3600,inbox_device=3/3600' },
    });
  });
  afterAll(async () => {
    await scanin?.close();
  });

  /** A signed call of `device` from `ip`; `signer` signs instead (a forgery with device's kid). */
  async function deviceCall(device: TestDevice, ip: string, method: 'GET' | 'PUT', path: string, body = '', act = path.includes('vault') ? 'vault' : 'inbox') {
    const url = `${scanin.issuer}${path}`;
    const authorization = requestAuthorization(device.key, { issuer: scanin.issuer, act, method, url, body: new TextEncoder().encode(body), iat: scanin.services.clock() });
    const answer = await request(url, {
      method,
      headers: { authorization, 'x-forwarded-for': ip, accept: 'application/json', ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body || undefined,
    });
    return { status: answer.statusCode, retryAfter: answer.headers['retry-after'], body: (await answer.body.json()) as Record<string, unknown> };
  }

  it('refuses a fourth vault call of one device with 429 JSON and Retry-After, writes nothing, and other devices go on', async () => {
    const phone = await enrollDevice(scanin, 'vault-phone@example.com');
    const other = await enrollDevice(scanin, 'vault-other@example.com');
    expect((await deviceCall(phone, '198.51.100.30', 'GET', '/device/v1/vault')).status).toBe(200);
    expect((await deviceCall(phone, '198.51.100.31', 'PUT', '/device/v1/vault', JSON.stringify({ version: 0, data: 'AAAA' }))).status).toBe(200);
    expect((await deviceCall(phone, '198.51.100.32', 'GET', '/device/v1/vault')).status).toBe(200);
    // From a fourth address: the device's own count trips, wherever it calls from.
    const refused = await deviceCall(phone, '198.51.100.33', 'PUT', '/device/v1/vault', JSON.stringify({ version: 1, data: 'BBBB' }));
    expect(refused.status).toBe(429);
    expect(refused.body).toMatchObject({ error: 'rate_limited' });
    expect(Number(refused.retryAfter)).toBeGreaterThan(0);
    expect((await findVault(scanin.services.db, phone.id))).toMatchObject({ version: 1, data: 'AAAA' });
    expect((await deviceCall(other, '198.51.100.33', 'GET', '/device/v1/vault')).status).toBe(200);
  });

  it("counts forgeries against the address, not against the device whose kid they carry", async () => {
    const victim = await enrollDevice(scanin, 'vault-victim@example.com');
    const attacker = await enrollDevice(scanin, 'vault-attacker@example.com');
    const forged = { ...attacker, id: victim.id, key: { ...attacker.key, deviceId: victim.id } } as TestDevice;
    const statuses = [];
    for (let i = 0; i < 6; i++) statuses.push((await deviceCall(forged, '203.0.113.40', 'GET', '/device/v1/vault')).status);
    expect(statuses).toEqual([401, 401, 401, 401, 401, 429]);
    expect((await deviceCall(victim, '198.51.100.41', 'GET', '/device/v1/vault')).status).toBe(200);
  });

  it('refuses inbox polls past the per-device and per-address limits with 429 JSON', async () => {
    const phone = await enrollDevice(scanin, 'inbox-phone@example.com');
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await deviceCall(phone, `198.51.100.${50 + i}`, 'GET', '/device/v1/inbox')).status);
    expect(statuses).toEqual([200, 200, 200, 429]);
    const crowd = await Promise.all(['a', 'b', 'c'].map((name) => enrollDevice(scanin, `inbox-${name}@example.com`)));
    const shared = [];
    for (const device of [...crowd, ...crowd]) shared.push((await deviceCall(device, '192.0.2.200', 'GET', '/device/v1/inbox')).status);
    expect(shared).toEqual([200, 200, 200, 200, 200, 429]);
    const refused = await deviceCall(crowd[0]!, '192.0.2.200', 'GET', '/device/v1/inbox');
    expect(refused.body).toMatchObject({ error: 'rate_limited' });
    expect(Number(refused.retryAfter)).toBeGreaterThan(0);
  });
});

describe('the default limits of the vault and the inbox', () => {
  let scanin: TestScanin;

  beforeAll(async () => {
    // The defaults, not the test suite's unreachable ones.
    scanin = await startTestScanin({ env: { RATE_LIMITS: 'auth_ip=120/60' } });
  });
  afterAll(async () => {
    await scanin?.close();
  });

  it("let a phone poll its inbox and save its notebook as the web app does, for a minute's worth and more", async () => {
    const phone = await enrollDevice(scanin, 'normal-phone@example.com');
    const url = (path: string) => `${scanin.issuer}${path}`;
    const signed = (method: 'GET' | 'PUT', path: string, body = '') =>
      requestAuthorization(phone.key, { issuer: scanin.issuer, act: path.includes('vault') ? 'vault' : 'inbox', method, url: url(path), body: new TextEncoder().encode(body), iat: scanin.services.clock() });
    // Ten minutes of a busy phone squeezed into one window: a poll every 25 s with two tabs open
    // (48), and the notebook opened and saved twenty times (40).
    let version = 0;
    for (let i = 0; i < 48; i++) {
      const poll = await request(url('/device/v1/inbox'), { headers: { authorization: signed('GET', '/device/v1/inbox') } });
      expect(poll.statusCode).toBe(200);
      await poll.body.text();
    }
    for (let i = 0; i < 20; i++) {
      const read = await request(url('/device/v1/vault'), { headers: { authorization: signed('GET', '/device/v1/vault') } });
      expect(read.statusCode).toBe(200);
      await read.body.text();
      const body = JSON.stringify({ version, data: 'AAAA' });
      const write = await request(url('/device/v1/vault'), { method: 'PUT', headers: { authorization: signed('PUT', '/device/v1/vault', body), 'content-type': 'application/json' }, body });
      expect(write.statusCode).toBe(200);
      await write.body.text();
      version++;
    }
  });
});

describe('anonymous requests that used to be stored', () => {
  let scanin: TestScanin;

  beforeAll(async () => {
    scanin = await startTestScanin({
      clients: [
        { client_id: 'test-public', client_name: 'Test App', first_party: true, token_endpoint_auth_method: 'none', redirect_uris: ['http://127.0.0.1:9/callback'], post_logout_redirect_uris: ['http://127.0.0.1:9/bye'] },
      ],
    });
  });
  afterAll(async () => {
    await scanin?.close();
  });

  it('a logout without a session stores nothing and goes back where the client asked, with its state', async () => {
    const before = await rows(scanin, 'oidc_payloads');
    const browser = new TestBrowser();
    const state = 's'.repeat(15_000);
    for (let i = 0; i < 20; i++) {
      const page = await browser.fetch(`${scanin.issuer}/session/end?state=${state}`);
      expect(page.status).toBe(303);
      expect(page.location).toBe(`${scanin.issuer}/session/end/success`);
      expect(page.headers['set-cookie']).toBeUndefined();
    }
    const back = await browser.fetch(`${scanin.issuer}/session/end?client_id=test-public&post_logout_redirect_uri=${encodeURIComponent('http://127.0.0.1:9/bye')}&state=xyz`);
    expect(back.status).toBe(303);
    expect(back.location).toBe('http://127.0.0.1:9/bye?state=xyz');
    const posted = await request(`${scanin.issuer}/session/end`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `state=${state}` });
    expect(posted.statusCode).toBe(303);
    await posted.body.text();
    expect(await rows(scanin, 'oidc_payloads')).toBe(before);
  });

  it('a logout naming an unregistered place to go back to is refused and stores nothing', async () => {
    const before = await rows(scanin, 'oidc_payloads');
    const page = await new TestBrowser().fetch(`${scanin.issuer}/session/end?client_id=test-public&post_logout_redirect_uri=${encodeURIComponent('https://evil.example/')}`);
    expect(page.status).toBe(400);
    expect(page.body).toContain('post_logout_redirect_uri not registered');
    expect(await rows(scanin, 'oidc_payloads')).toBe(before);
  });

  it('an authorization request with an oversized parameter is refused and stores nothing', async () => {
    const before = await rows(scanin, 'oidc_payloads');
    const auth = await authorizationRequest(await discover(scanin.issuer));
    const page = await new TestBrowser().fetch(`${auth.url.replace(/state=[^&]+/, `state=${'s'.repeat(15_000)}`)}`);
    expect(page.status).toBe(303);
    expect(page.location).toContain('error=invalid_request');
    expect(decodeURIComponent(page.location!.replace(/\+/g, ' '))).toContain('state must be at most 2048 characters');
    expect(await rows(scanin, 'oidc_payloads')).toBe(before);
  });
});

describe('event streams', () => {
  let scanin: TestScanin;

  beforeAll(async () => {
    scanin = await startTestScanin({ env: { TRUST_PROXY: '127.0.0.1', STREAMS_PER_IP: '3' } });
  });
  afterAll(async () => {
    await scanin?.close();
  });

  it('one per interaction: a new stream replaces the old one, which is told and ends', async () => {
    const login = await openLoginPage(await discover(scanin.issuer));
    const first = await openEvents(login);
    const second = await openEvents(login);
    expect(await first.next(5_000)).toEqual({ type: 'replaced', data: {} });
    await expect(first.next(2_000)).rejects.toThrow('the event stream ended');
    expect(second.ended).toBe(false);
    second.close();
  });

  it('a flood from one address stays within the cap, while discovery and other addresses are served', async () => {
    const config = await discover(scanin.issuer);
    const open: EventStream[] = [];
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) {
      const login = await openLoginPage(config, from('198.51.100.77'));
      const url = `${login.interactionUrl}/events?rid=${login.rid}`;
      const stream = await EventStream.open(url, { cookie: login.browser.cookieFor(url), 'x-forwarded-for': '198.51.100.77' });
      statuses.push(stream.status);
      open.push(stream);
    }
    expect(statuses).toEqual([200, 200, 200, 429, 429, 429]);
    expect(scanin.services.streamLimits.total).toBe(3);

    const discovery = await request(`${scanin.issuer}/.well-known/openid-configuration`);
    expect(discovery.statusCode).toBe(200);
    await discovery.body.text();
    const elsewhere = await openLoginPage(config, from('203.0.113.80'));
    const url = `${elsewhere.interactionUrl}/events?rid=${elsewhere.rid}`;
    const theirs = await EventStream.open(url, { cookie: elsewhere.browser.cookieFor(url), 'x-forwarded-for': '203.0.113.80' });
    expect(theirs.status).toBe(200);

    for (const stream of [...open, theirs]) stream.close();
  });
});
