// The assertion that answers a login request: a compact JWS from an enrolled, live device, with
// typ scanin+jwt, alg ES256 or EdDSA fitting the device's key, a signature that verifies, and a
// payload bound to this issuer, this moment (±60 s), this action, this request and challenge.
// Every refusal leaves the request open: the genuine phone can still approve it afterwards.
import { createHmac, createPrivateKey, generateKeyPairSync, sign } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { deviceHeader, signAssertion, signJsonTexts } from '../../src/authenticator/assertion.ts';
import { generateDeviceKey } from '../../src/authenticator/keys.ts';
import { revokeDevice } from '../../src/store/devices.ts';
import { findLoginRequest } from '../../src/store/loginRequests.ts';
import {
  answerLogin,
  b64json,
  enrollDevice,
  expectError,
  expectStillApprovable,
  flipS,
  isHighS,
  loginAssertion,
  loginPayload,
  startDeviceTestScanin,
  waitingLogin,
  type DeviceTestScanin,
  type TestDevice,
  type WaitingLogin,
} from '../helpers/device.ts';

let scanin: DeviceTestScanin;
let phone: TestDevice;
let edPhone: TestDevice;

beforeAll(async () => {
  scanin = await startDeviceTestScanin();
  phone = await enrollDevice(scanin, 'alice@example.com', 'ES256');
  edPhone = await enrollDevice(scanin, 'erin@example.com', 'EdDSA');
});
afterAll(async () => {
  await scanin?.close();
});
afterEach(() => {
  scanin.clock.release();
});

/** A JWS with exactly this header and payload, signed with the phone's key. */
function forge(header: Record<string, unknown>, payload: Record<string, unknown>, device = phone): string {
  return signAssertion(device.key, header, payload);
}

function parts(jws: string): [string, string, string] {
  return jws.split('.') as [string, string, string];
}

/** `owner`: the genuine device that approves afterwards, to show nothing changed (default: phone). */
type Forgery = { rule: string; forge: (login: WaitingLogin) => string | Promise<string>; owner?: () => TestDevice };

describe('which device speaks: the kid', () => {
  it('a kid no device has gets 401 unknown_device', async () => {
    const login = await waitingLogin(scanin);
    const stranger = generateDeviceKey('ES256');
    const assertion = signAssertion(stranger, deviceHeader(stranger), loginPayload(scanin, login));
    expectError(await answerLogin(scanin, login.rid, assertion), 401, 'unknown_device');
    await expectStillApprovable(scanin, login, phone);
  });

  it('the kid of an enrolled device with a signature by another key gets 401 invalid_assertion', async () => {
    const login = await waitingLogin(scanin);
    const attacker = generateDeviceKey('ES256');
    const assertion = signAssertion(attacker, deviceHeader(phone.key), loginPayload(scanin, login));
    expectError(await answerLogin(scanin, login.rid, assertion), 401, 'invalid_assertion');
    await expectStillApprovable(scanin, login, phone);
  });

  it('the kid of an enrolled device with a signature by another enrolled device gets 401 invalid_assertion', async () => {
    const login = await waitingLogin(scanin);
    const other = await enrollDevice(scanin, 'mallory@example.com');
    const assertion = signAssertion(other.key, deviceHeader(phone.key), loginPayload(scanin, login));
    expectError(await answerLogin(scanin, login.rid, assertion), 401, 'invalid_assertion');
    await expectStillApprovable(scanin, login, phone);
  });

  it('a revoked device gets 403 device_revoked, for approve and deny alike', async () => {
    const lost = await enrollDevice(scanin, 'alice@example.com');
    expect(await revokeDevice(scanin.services.db, lost.id, scanin.services.clock())).toBe(true);
    const login = await waitingLogin(scanin);
    for (const decision of ['approve', 'deny']) {
      expectError(await answerLogin(scanin, login.rid, loginAssertion(scanin, lost, login, { decision })), 403, 'device_revoked');
    }
    await expectStillApprovable(scanin, login, phone);
  });

  it("a revoked or waiting device's kid with another key's signature gets 401 invalid_assertion: its state is told only to its key", async () => {
    const revoked = await enrollDevice(scanin, 'alice@example.com');
    await revokeDevice(scanin.services.db, revoked.id, scanin.services.clock());
    const waiting = await enrollDevice(scanin, 'alice@example.com');
    await scanin.services.db('devices').where({ id: waiting.id }).update({ status: 'pending_confirmation' });
    const login = await waitingLogin(scanin);
    const attacker = generateDeviceKey('ES256');
    for (const victim of [revoked, waiting]) {
      const assertion = signAssertion(attacker, deviceHeader(victim.key), loginPayload(scanin, login));
      expectError(await answerLogin(scanin, login.rid, assertion), 401, 'invalid_assertion');
    }
    await expectStillApprovable(scanin, login, phone);
  });

  it('a revoked device is told so even with a stale iat: its state comes before the payload checks', async () => {
    const lost = await enrollDevice(scanin, 'alice@example.com');
    await revokeDevice(scanin.services.db, lost.id, scanin.services.clock());
    const login = await waitingLogin(scanin);
    expectError(await answerLogin(scanin, login.rid, loginAssertion(scanin, lost, login, { iat: scanin.services.clock() - 3600 })), 403, 'device_revoked');
    await expectStillApprovable(scanin, login, phone);
  });

  it('a device waiting for confirmation (add_device not yet confirmed) gets 403 device_pending', async () => {
    const waiting = await enrollDevice(scanin, 'alice@example.com');
    await scanin.services.db('devices').where({ id: waiting.id }).update({ status: 'pending_confirmation' });
    const login = await waitingLogin(scanin);
    expectError(await answerLogin(scanin, login.rid, loginAssertion(scanin, waiting, login)), 403, 'device_pending');
    await expectStillApprovable(scanin, login, phone);
  });
});

describe('the protected header: typ scanin+jwt, alg ES256 or EdDSA fitting the key', () => {
  const forgeries: Forgery[] = [
    { rule: 'typ "JWT"', forge: (login) => forge({ ...deviceHeader(phone.key), typ: 'JWT' }, loginPayload(scanin, login)) },
    { rule: 'no typ', forge: (login) => forge({ alg: 'ES256', kid: phone.id }, loginPayload(scanin, login)) },
    { rule: 'alg "none" with an empty signature', forge: (login) => `${b64json({ alg: 'none', typ: 'scanin+jwt', kid: phone.id })}.${b64json(loginPayload(scanin, login))}.` },
    { rule: 'alg "none" with a valid signature', forge: (login) => forge({ ...deviceHeader(phone.key), alg: 'none' }, loginPayload(scanin, login)) },
    {
      rule: 'alg "HS256", keyed with the device public key (key confusion)',
      forge: (login) => {
        const input = `${b64json({ alg: 'HS256', typ: 'scanin+jwt', kid: phone.id })}.${b64json(loginPayload(scanin, login))}`;
        const mac = createHmac('sha256', JSON.stringify(phone.key.publicJwk)).update(input).digest('base64url');
        return `${input}.${mac}`;
      },
    },
    {
      rule: 'alg "RS256" with a real RSA signature',
      forge: (login) => {
        const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
        const input = `${b64json({ alg: 'RS256', typ: 'scanin+jwt', kid: phone.id })}.${b64json(loginPayload(scanin, login))}`;
        return `${input}.${sign('sha256', Buffer.from(input), privateKey).toString('base64url')}`;
      },
    },
    { rule: 'alg "ES384"', forge: (login) => forge({ ...deviceHeader(phone.key), alg: 'ES384' }, loginPayload(scanin, login)) },
    { rule: 'no alg', forge: (login) => forge({ typ: 'scanin+jwt', kid: phone.id }, loginPayload(scanin, login)) },
    { rule: 'alg "EdDSA" on a P-256 device', forge: (login) => forge({ ...deviceHeader(phone.key), alg: 'EdDSA' }, loginPayload(scanin, login)) },
    {
      rule: 'alg "ES256" on an Ed25519 device',
      forge: (login) => forge({ ...deviceHeader(edPhone.key), alg: 'ES256' }, loginPayload(scanin, login), edPhone),
      owner: () => edPhone,
    },
    { rule: 'a jwk in the header besides the kid', forge: (login) => forge({ ...deviceHeader(phone.key), jwk: phone.key.publicJwk }, loginPayload(scanin, login)) },
    { rule: 'a jwk in the header instead of the kid', forge: (login) => forge({ alg: 'ES256', typ: 'scanin+jwt', jwk: phone.key.publicJwk }, loginPayload(scanin, login)) },
    { rule: 'a crit header', forge: (login) => forge({ ...deviceHeader(phone.key), crit: ['exp'] }, loginPayload(scanin, login)) },
  ];

  it.each(forgeries)('$rule gets 401 invalid_assertion and changes nothing', async ({ forge: make, owner }) => {
    const login = await waitingLogin(scanin);
    expectError(await answerLogin(scanin, login.rid, await make(login)), 401, 'invalid_assertion');
    await expectStillApprovable(scanin, login, owner?.() ?? phone);
  });
});

describe('the payload: aud, act, rid, chal bind the assertion to this answer', () => {
  const forgeries: Forgery[] = [
    { rule: 'aud of another issuer', forge: (login) => loginAssertion(scanin, phone, login, { aud: 'https://evil.example.com' }) },
    { rule: 'aud with a trailing slash', forge: (login) => loginAssertion(scanin, phone, login, { aud: `${scanin.issuer}/` }) },
    { rule: 'aud as an array holding the issuer', forge: (login) => loginAssertion(scanin, phone, login, { aud: [scanin.issuer] }) },
    { rule: 'no aud', forge: (login) => loginAssertion(scanin, phone, login, { aud: undefined }) },
    { rule: 'act "enroll"', forge: (login) => loginAssertion(scanin, phone, login, { act: 'enroll' }) },
    { rule: 'act "vault"', forge: (login) => loginAssertion(scanin, phone, login, { act: 'vault' }) },
    { rule: 'no act', forge: (login) => loginAssertion(scanin, phone, login, { act: undefined }) },
    { rule: 'the rid of another request', forge: (login) => loginAssertion(scanin, phone, { ...login, rid: 'AAAAAAAAAAAAAAAAAAAAAA' }) },
    { rule: 'no rid', forge: (login) => loginAssertion(scanin, phone, login, { rid: undefined }) },
    { rule: 'another challenge', forge: (login) => loginAssertion(scanin, phone, { ...login, challenge: Buffer.alloc(32).toString('base64url') }) },
    { rule: 'no chal', forge: (login) => loginAssertion(scanin, phone, login, { chal: undefined }) },
    {
      rule: 'a payload altered after signing (decision deny → approve)',
      forge: (login) => {
        const [header, , signature] = parts(loginAssertion(scanin, phone, login, { decision: 'deny' }));
        return `${header}.${b64json(loginPayload(scanin, login, { decision: 'approve' }))}.${signature}`;
      },
    },
  ];

  it.each(forgeries)('$rule gets 401 invalid_assertion and changes nothing', async ({ forge: make }) => {
    const login = await waitingLogin(scanin);
    expectError(await answerLogin(scanin, login.rid, await make(login)), 401, 'invalid_assertion');
    await expectStillApprovable(scanin, login, phone);
  });

  it("an assertion made for another browser's request, replayed here, gets 401 invalid_assertion", async () => {
    const mine = await waitingLogin(scanin);
    const theirs = await waitingLogin(scanin);
    const madeForTheirs = loginAssertion(scanin, phone, theirs);
    expectError(await answerLogin(scanin, mine.rid, madeForTheirs), 401, 'invalid_assertion');
    await expectStillApprovable(scanin, mine, phone);
    await expectStillApprovable(scanin, theirs, phone);
  });
});

describe('the payload: iat within 60 s of the server clock, either side', () => {
  it.each([
    { rule: 'iat 61 s in the past', offset: -61 },
    { rule: 'iat 61 s in the future', offset: 61 },
    { rule: 'iat an hour in the past', offset: -3600 },
  ])('$rule gets 401 clock_skew and changes nothing', async ({ offset }) => {
    const now = scanin.clock.freeze();
    const login = await waitingLogin(scanin);
    expectError(await answerLogin(scanin, login.rid, loginAssertion(scanin, phone, login, { iat: now + offset })), 401, 'clock_skew');
    await expectStillApprovable(scanin, login, phone);
  });

  it.each([
    { rule: 'iat as a string', iat: 'now' },
    { rule: 'iat with a fraction', iat: 'fraction' },
    { rule: 'no iat', iat: undefined },
  ])('$rule gets 401 invalid_assertion and changes nothing', async ({ iat }) => {
    const now = scanin.clock.freeze();
    const login = await waitingLogin(scanin);
    const value = iat === 'fraction' ? now + 0.5 : iat === 'now' ? String(now) : undefined;
    expectError(await answerLogin(scanin, login.rid, loginAssertion(scanin, phone, login, { iat: value })), 401, 'invalid_assertion');
    await expectStillApprovable(scanin, login, phone);
  });

  // The rule is on the value: every JSON library reads 1795000000.0 and 1.795e9 as the integer.
  it.each([
    { rule: 'iat written with ".0"', text: (now: number) => `${now}.0` },
    { rule: 'iat written with an exponent', text: (now: number) => `${now / 10}e1` },
  ])('$rule is the same integer value, and is accepted', async ({ text }) => {
    const now = scanin.clock.freeze(1795000000);
    const login = await waitingLogin(scanin);
    const payload = JSON.stringify(loginPayload(scanin, login, { iat: 0 })).replace('"iat":0', `"iat":${text(now)}`);
    expect(payload).toContain(`"iat":${text(now)}`);
    const answer = await answerLogin(scanin, login.rid, signJsonTexts(phone.key, JSON.stringify(deviceHeader(phone.key)), payload));
    expect(answer.status, answer.text).toBe(200);
    login.events.close();
  });

  it('iat written "1795000000.5" is not an integer and gets 401 invalid_assertion', async () => {
    const now = scanin.clock.freeze(1795000000);
    const login = await waitingLogin(scanin);
    const payload = JSON.stringify(loginPayload(scanin, login, { iat: 0 })).replace('"iat":0', `"iat":${now}.5`);
    expectError(await answerLogin(scanin, login.rid, signJsonTexts(phone.key, JSON.stringify(deviceHeader(phone.key)), payload)), 401, 'invalid_assertion');
    await expectStillApprovable(scanin, login, phone);
  });

  it('a payload that is not valid UTF-8 gets 401 invalid_assertion', async () => {
    const login = await waitingLogin(scanin);
    const header = Buffer.from(JSON.stringify(deviceHeader(phone.key))).toString('base64url');
    const payloadBytes = Buffer.concat([Buffer.from(JSON.stringify(loginPayload(scanin, login)).slice(0, -1) + ',"x":"'), Buffer.from([0xff, 0xfe]), Buffer.from('"}')]);
    const signingInput = `${header}.${payloadBytes.toString('base64url')}`;
    const signature = signAssertion(phone.key, {}, {}).split('.')[2]!; // any 64 bytes: the UTF-8 check comes first
    expectError(await answerLogin(scanin, login.rid, `${signingInput}.${signature}`), 401, 'invalid_assertion');
    await expectStillApprovable(scanin, login, phone);
  });

  it.each([
    { rule: 'iat 59 s in the past', offset: -59 },
    { rule: 'iat 59 s in the future', offset: 59 },
    { rule: 'iat exactly 60 s in the past', offset: -60 },
    { rule: 'iat exactly 60 s in the future', offset: 60 },
  ])('$rule is accepted', async ({ offset }) => {
    const now = scanin.clock.freeze();
    const login = await waitingLogin(scanin);
    const answer = await answerLogin(scanin, login.rid, loginAssertion(scanin, phone, login, { iat: now + offset }));
    expect(answer.status, answer.text).toBe(200);
    expect((await login.events.next()).type).toBe('approved');
    login.events.close();
  });
});

describe('the compact JWS itself', () => {
  const forgeries: Forgery[] = [
    { rule: 'two parts', forge: (login) => parts(loginAssertion(scanin, phone, login)).slice(0, 2).join('.') },
    { rule: 'four parts', forge: (login) => `${loginAssertion(scanin, phone, login)}.AAAA` },
    { rule: 'not a JWS at all', forge: () => 'hello' },
    { rule: 'standard base64 ("+", "/") instead of base64url', forge: (login) => loginAssertion(scanin, phone, login).replace(/-/g, '+').replace(/_/g, '/') + '+/' },
    { rule: 'padded base64url ("=")', forge: (login) => `${loginAssertion(scanin, phone, login)}==` },
    { rule: 'a header that is not JSON', forge: (login) => { const [, p, s] = parts(loginAssertion(scanin, phone, login)); return `${Buffer.from('{alg:ES256').toString('base64url')}.${p}.${s}`; } },
    { rule: 'a header that is a JSON array', forge: (login) => { const [, p, s] = parts(loginAssertion(scanin, phone, login)); return `${b64json([deviceHeader(phone.key)])}.${p}.${s}`; } },
    { rule: 'a payload that is not JSON', forge: (login) => { const [h, , s] = parts(loginAssertion(scanin, phone, login)); return `${h}.${Buffer.from('approve!').toString('base64url')}.${s}`; } },
    { rule: 'a payload that is JSON null', forge: (login) => { const [h, , s] = parts(loginAssertion(scanin, phone, login)); return `${h}.${b64json(null)}.${s}`; } },
    { rule: 'an empty signature', forge: (login) => { const [h, p] = parts(loginAssertion(scanin, phone, login)); return `${h}.${p}.`; } },
    { rule: 'a signature one byte short', forge: (login) => { const [h, p, s] = parts(loginAssertion(scanin, phone, login)); return `${h}.${p}.${Buffer.from(s, 'base64url').subarray(1).toString('base64url')}`; } },
    { rule: 'a DER-encoded ECDSA signature instead of r||s', forge: (login) => {
      const [h, p] = parts(loginAssertion(scanin, phone, login));
      const key = createPrivateKey({ key: { ...phone.key.publicJwk, d: Buffer.from(phone.key.privateKey).toString('base64url') }, format: 'jwk' });
      return `${h}.${p}.${sign('sha256', Buffer.from(`${h}.${p}`), { key, dsaEncoding: 'der' }).toString('base64url')}`;
    } },
    { rule: 'a signature of all zero bytes', forge: (login) => { const [h, p] = parts(loginAssertion(scanin, phone, login)); return `${h}.${p}.${Buffer.alloc(64).toString('base64url')}`; } },
  ];

  it.each(forgeries)('$rule gets 401 invalid_assertion and changes nothing', async ({ forge: make }) => {
    const login = await waitingLogin(scanin);
    expectError(await answerLogin(scanin, login.rid, await make(login)), 401, 'invalid_assertion');
    await expectStillApprovable(scanin, login, phone);
  });
});

describe('signature algorithms: what a real phone sends is accepted', () => {
  it('an ES256 (P-256) device logs in', async () => {
    const login = await waitingLogin(scanin);
    await expectStillApprovable(scanin, login, phone);
    expect((await findLoginRequest(scanin.services.db, login.rid))!.account_id).toBe(phone.accountId);
  });

  it('an EdDSA (Ed25519) device logs in', async () => {
    const login = await waitingLogin(scanin);
    await expectStillApprovable(scanin, login, edPhone);
    expect((await findLoginRequest(scanin.services.db, login.rid))!.account_id).toBe(edPhone.accountId);
  });

  it('a high-S ES256 signature (s replaced by n − s in a low-S noble signature) is accepted', async () => {
    const login = await waitingLogin(scanin);
    const lowS = loginAssertion(scanin, phone, login);
    expect(isHighS(lowS)).toBe(false);
    const highS = flipS(lowS);
    expect(isHighS(highS)).toBe(true);
    const answer = await answerLogin(scanin, login.rid, highS);
    expect(answer.status, answer.text).toBe(200);
    expect((await login.events.next()).type).toBe('approved');
    login.events.close();
  });

  it('a high-S ES256 signature made by node:crypto (as WebCrypto and Android produce) is accepted', async () => {
    const login = await waitingLogin(scanin);
    const key = createPrivateKey({ key: { ...phone.key.publicJwk, d: Buffer.from(phone.key.privateKey).toString('base64url') }, format: 'jwk' });
    const input = `${b64json(deviceHeader(phone.key))}.${b64json(loginPayload(scanin, login))}`;
    let assertion = '';
    // About half of standard ECDSA signatures are high-S; draw until one is.
    do assertion = `${input}.${sign('sha256', Buffer.from(input), { key, dsaEncoding: 'ieee-p1363' }).toString('base64url')}`;
    while (!isHighS(assertion));
    const answer = await answerLogin(scanin, login.rid, assertion);
    expect(answer.status, answer.text).toBe(200);
    expect((await login.events.next()).type).toBe('approved');
    login.events.close();
  });
});
