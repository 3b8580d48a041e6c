// POST /device/v1/enrollments/:eid — a phone binds a new key to an account, once. The assertion
// carries the new public key as `jwk` (never a kid, never a private part), is signed by that key
// (proof of possession), fits its alg, and is bound to this issuer, enrollment and challenge.
// Every refusal leaves the enrollment pending and adds no device.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { enrollmentHeader, signAssertion } from '../../src/authenticator/assertion.ts';
import { generateDeviceKey, type DeviceKey } from '../../src/authenticator/keys.ts';
import { createEnrollment } from '../../src/enrollment/enrollments.ts';
import { findAccountById } from '../../src/store/accounts.ts';
import { findDevice, listDevices } from '../../src/store/devices.ts';
import { findEnrollment, type Enrollment } from '../../src/store/enrollments.ts';
import {
  answerLogin,
  call,
  chunkedBody,
  deviceCount,
  enrollDevice,
  enrollmentAssertion,
  enrollmentPath,
  enrollmentPayload,
  expectError,
  expectStillApprovable,
  loginAssertion,
  newInvite,
  postAssertion,
  startDeviceTestScanin,
  waitingLogin,
  type DeviceTestScanin,
  type TestDevice,
} from '../helpers/device.ts';

const MiB = 1024 * 1024;
const UNKNOWN_EID = 'AAAAAAAAAAAAAAAAAAAAAA';

let scanin: DeviceTestScanin;
let count = 0;

beforeAll(async () => {
  scanin = await startDeviceTestScanin();
});
afterAll(async () => {
  await scanin?.close();
});

/** A fresh invite for a fresh account. */
async function invite(): Promise<Enrollment> {
  count += 1;
  return newInvite(scanin, `person${count}@example.com`);
}

function enroll(enrollment: Enrollment, assertion: string) {
  return postAssertion(scanin, enrollmentPath(enrollment.eid), assertion);
}

/** Nothing happened: the enrollment is still pending, the account has no device, and a genuine key still enrolls. */
async function expectStillEnrollable(enrollment: Enrollment): Promise<void> {
  expect(await findEnrollment(scanin.services.db, enrollment.eid)).toMatchObject({ status: 'pending', device_id: null, answered_at: null });
  expect(await deviceCount(scanin, enrollment.account_id)).toBe(0);
  const key = generateDeviceKey('ES256');
  const answer = await enroll(enrollment, enrollmentAssertion(scanin, key, enrollment));
  expect(answer.status, answer.text).toBe(201);
  expect(await deviceCount(scanin, enrollment.account_id)).toBe(1);
}

describe('GET /device/v1/enrollments/:eid', () => {
  it('answers eid, act, kind, challenge, issuer, account and expires_at', async () => {
    const enrollment = await invite();
    const account = (await findAccountById(scanin.services.db, enrollment.account_id))!;
    const answer = await call(scanin, 'GET', enrollmentPath(enrollment.eid));
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({
      eid: enrollment.eid,
      act: 'enroll',
      kind: 'invite',
      challenge: enrollment.challenge,
      issuer: scanin.issuer,
      account: { email: account.email, name: account.name },
      expires_at: enrollment.expires_at,
    });
  });

  it('an unknown eid gets 404 not_found', async () => {
    expectError(await call(scanin, 'GET', enrollmentPath(UNKNOWN_EID)), 404, 'not_found');
  });

  it('an expired enrollment gets 410 expired', async () => {
    const enrollment = await invite();
    await scanin.services.db('enrollments').where({ eid: enrollment.eid }).update({ expires_at: scanin.services.clock() - 1 });
    expectError(await call(scanin, 'GET', enrollmentPath(enrollment.eid)), 410, 'expired');
  });

  it('a used enrollment gets 409 already_answered', async () => {
    const enrollment = await invite();
    expect((await enroll(enrollment, enrollmentAssertion(scanin, generateDeviceKey('ES256'), enrollment))).status).toBe(201);
    expectError(await call(scanin, 'GET', enrollmentPath(enrollment.eid)), 409, 'already_answered');
  });
});

describe('POST /device/v1/enrollments/:eid — what enrolls', () => {
  it.each(['ES256', 'EdDSA'] as const)('a %s key enrolls: 201 {device_id, sub, status: active, device_name as stored}, and the server keeps only its public key', async (alg) => {
    const enrollment = await invite();
    const key = generateDeviceKey(alg);
    const answer = await enroll(enrollment, enrollmentAssertion(scanin, key, enrollment, { device_name: '  Pixel 9  ' }));
    expect(answer.status, answer.text).toBe(201);
    expect(answer.body).toEqual({ device_id: key.deviceId, sub: enrollment.account_id, status: 'active', device_name: 'Pixel 9' });

    const device = (await findDevice(scanin.services.db, key.deviceId))!;
    expect(device).toMatchObject({ account_id: enrollment.account_id, name: 'Pixel 9', alg, status: 'active', public_jwk: key.publicJwk });
    expect(await findEnrollment(scanin.services.db, enrollment.eid)).toMatchObject({ status: 'enrolled', device_id: key.deviceId });
  });

  it.each([
    { rule: 'surrounding white space of every kind (U+FEFF, NBSP, U+2028, U+3000, tab)', sent: '\uFEFF\u00A0\u2028 Alice’s phone\u3000\t', stored: 'Alice’s phone' },
    { rule: 'a space inside, an emoji (a surrogate pair)', sent: 'Pixel 9 📱', stored: 'Pixel 9 📱' },
  ])('$rule: the 201 echoes the name as stored', async ({ sent, stored }) => {
    const enrollment = await invite();
    const key = generateDeviceKey('ES256');
    const answer = await enroll(enrollment, enrollmentAssertion(scanin, key, enrollment, { device_name: sent }));
    expect(answer.status, answer.text).toBe(201);
    expect(answer.body.device_name).toBe(stored);
    expect((await findDevice(scanin.services.db, key.deviceId))!.name).toBe(stored);
  });

  it('a device name of exactly 64 characters is accepted', async () => {
    const enrollment = await invite();
    const answer = await enroll(enrollment, enrollmentAssertion(scanin, generateDeviceKey('ES256'), enrollment, { device_name: 'n'.repeat(64) }));
    expect(answer.status, answer.text).toBe(201);
  });

  it('an add_device enrollment leaves the new device pending_confirmation, and it cannot answer a login yet', async () => {
    const owner = await enrollDevice(scanin, 'owner@example.com');
    const account = (await findAccountById(scanin.services.db, owner.accountId))!;
    const enrollment = await createEnrollment(scanin.services.db, scanin.services.clock, account, 'add_device', 600);
    const key = generateDeviceKey('ES256');
    const answer = await enroll(enrollment, enrollmentAssertion(scanin, key, enrollment));
    expect(answer.status, answer.text).toBe(201);
    expect(answer.body).toMatchObject({ device_id: key.deviceId, sub: account.id, status: 'pending_confirmation' });

    const login = await waitingLogin(scanin);
    const unconfirmed: TestDevice = { key, id: key.deviceId, accountId: account.id };
    expectError(await answerLogin(scanin, login.rid, loginAssertion(scanin, unconfirmed, login)), 403, 'device_pending');
    await expectStillApprovable(scanin, login, owner);
  });
});

describe('POST /device/v1/enrollments/:eid — an enrollment is used once', () => {
  it('the same assertion posted twice (a replay) gets 409 already_answered, and one device exists', async () => {
    const enrollment = await invite();
    const key = generateDeviceKey('ES256');
    const assertion = enrollmentAssertion(scanin, key, enrollment);
    expect((await enroll(enrollment, assertion)).status).toBe(201);
    expectError(await enroll(enrollment, assertion), 409, 'already_answered');
    expect((await listDevices(scanin.services.db, enrollment.account_id)).map((device) => device.id)).toEqual([key.deviceId]);
  });

  it('a second key on a used enrollment gets 409 already_answered and is not added', async () => {
    const enrollment = await invite();
    const first = generateDeviceKey('ES256');
    const second = generateDeviceKey('EdDSA');
    expect((await enroll(enrollment, enrollmentAssertion(scanin, first, enrollment))).status).toBe(201);
    expectError(await enroll(enrollment, enrollmentAssertion(scanin, second, enrollment)), 409, 'already_answered');
    expect(await findDevice(scanin.services.db, second.deviceId)).toBeUndefined();
    expect(await findEnrollment(scanin.services.db, enrollment.eid)).toMatchObject({ status: 'enrolled', device_id: first.deviceId });
  });

  it('of two concurrent enrollments of one eid with different keys exactly one gets 201; the other gets 409 already_answered', async () => {
    const enrollment = await invite();
    const keys = [generateDeviceKey('ES256'), generateDeviceKey('EdDSA')];
    const answers = await Promise.all(keys.map((key) => enroll(enrollment, enrollmentAssertion(scanin, key, enrollment))));
    expect(answers.map((answer) => answer.status).sort()).toEqual([201, 409]);
    const winner = keys[answers.findIndex((answer) => answer.status === 201)]!;
    expectError(answers.find((answer) => answer.status === 409)!, 409, 'already_answered');
    expect((await listDevices(scanin.services.db, enrollment.account_id)).map((device) => device.id)).toEqual([winner.deviceId]);
    expect((await findEnrollment(scanin.services.db, enrollment.eid))!.device_id).toBe(winner.deviceId);
  });

  it('of 20 concurrent enrollments of one eid with different keys exactly one gets 201', async () => {
    const enrollment = await invite();
    const keys = Array.from({ length: 20 }, (_, i) => generateDeviceKey(i % 2 ? 'EdDSA' : 'ES256'));
    const answers = await Promise.all(keys.map((key) => enroll(enrollment, enrollmentAssertion(scanin, key, enrollment))));
    expect(answers.filter((answer) => answer.status === 201)).toHaveLength(1);
    for (const loser of answers.filter((answer) => answer.status !== 201)) expectError(loser, 409, 'already_answered');
    expect(await deviceCount(scanin, enrollment.account_id)).toBe(1);
  });

  it('a key already enrolled gets 409 key_already_enrolled, and the enrollment stays open', async () => {
    const first = await invite();
    const key = generateDeviceKey('ES256');
    expect((await enroll(first, enrollmentAssertion(scanin, key, first))).status).toBe(201);
    const second = await invite();
    expectError(await enroll(second, enrollmentAssertion(scanin, key, second)), 409, 'key_already_enrolled');
    expect((await findDevice(scanin.services.db, key.deviceId))!.account_id).toBe(first.account_id);
    await expectStillEnrollable(second);
  });

  it('the same key enrolled concurrently at ten enrollments: exactly one 201, the others 409 key_already_enrolled and still pending', async () => {
    const key = generateDeviceKey('ES256');
    const enrollments = await Promise.all(Array.from({ length: 10 }, () => invite()));
    const answers = await Promise.all(enrollments.map((enrollment) => enroll(enrollment, enrollmentAssertion(scanin, key, enrollment))));
    expect(answers.filter((answer) => answer.status === 201)).toHaveLength(1);
    const losers = enrollments.filter((_, i) => answers[i]!.status !== 201);
    for (const loser of answers.filter((answer) => answer.status !== 201)) expectError(loser, 409, 'key_already_enrolled');
    for (const loser of losers) expect((await findEnrollment(scanin.services.db, loser.eid))!.status).toBe('pending');
  });
});

describe('POST /device/v1/enrollments/:eid — the enrollment exists and is open', () => {
  it('an unknown eid gets 404 not_found', async () => {
    const key = generateDeviceKey('ES256');
    expectError(await postAssertion(scanin, enrollmentPath(UNKNOWN_EID), enrollmentAssertion(scanin, key, { eid: UNKNOWN_EID, challenge: 'x'.repeat(43) })), 404, 'not_found');
    expect(await findDevice(scanin.services.db, key.deviceId)).toBeUndefined();
  });

  it('an expired enrollment gets 410 expired, and no device is added', async () => {
    const enrollment = await invite();
    await scanin.services.db('enrollments').where({ eid: enrollment.eid }).update({ expires_at: scanin.services.clock() - 1 });
    const key = generateDeviceKey('ES256');
    expectError(await enroll(enrollment, enrollmentAssertion(scanin, key, enrollment)), 410, 'expired');
    expect(await findEnrollment(scanin.services.db, enrollment.eid)).toMatchObject({ status: 'pending', device_id: null });
    expect(await deviceCount(scanin, enrollment.account_id)).toBe(0);
  });

  it('a 1 MiB body gets 413 payload_too_large, with a Content-Length and chunked, even to an unknown eid', async () => {
    const enrollment = await invite();
    const key = generateDeviceKey('ES256');
    const padding = 'x'.repeat(MiB);
    const path = enrollmentPath(enrollment.eid);
    expectError(await call(scanin, 'POST', path, { json: { assertion: enrollmentAssertion(scanin, key, enrollment), padding } }), 413, 'payload_too_large');
    expectError(await call(scanin, 'POST', path, { stream: chunkedBody(MiB) }), 413, 'payload_too_large');
    expectError(await call(scanin, 'POST', enrollmentPath(UNKNOWN_EID), { stream: chunkedBody(MiB) }), 413, 'payload_too_large');
    await expectStillEnrollable(enrollment);
  });

  it('a body that is not JSON, or has no assertion, gets 400 invalid_request', async () => {
    const enrollment = await invite();
    const path = enrollmentPath(enrollment.eid);
    expectError(await call(scanin, 'POST', path, { raw: '{"assertion":' }), 400, 'invalid_request');
    expectError(await call(scanin, 'POST', path, { json: [] }), 400, 'invalid_request');
    expectError(await call(scanin, 'POST', path, { json: { device_name: 'x' } }), 400, 'invalid_request');
    await expectStillEnrollable(enrollment);
  });
});

describe('POST /device/v1/enrollments/:eid — the assertion proves the new key and binds it here', () => {
  type Forgery = { rule: string; forge: (enrollment: Enrollment, key: DeviceKey) => string };
  const payload = (enrollment: Enrollment, overrides: Record<string, unknown> = {}) => enrollmentPayload(scanin, enrollment, overrides);

  const forgeries: Forgery[] = [
    { rule: 'the eid of another enrollment', forge: (e, key) => enrollmentAssertion(scanin, key, { eid: UNKNOWN_EID, challenge: e.challenge }) },
    { rule: 'another challenge', forge: (e, key) => enrollmentAssertion(scanin, key, { eid: e.eid, challenge: 'x'.repeat(43) }) },
    { rule: 'aud of another issuer', forge: (e, key) => enrollmentAssertion(scanin, key, e, { aud: 'https://evil.example.com' }) },
    { rule: 'act "login"', forge: (e, key) => enrollmentAssertion(scanin, key, e, { act: 'login' }) },
    { rule: 'typ "JWT"', forge: (e, key) => signAssertion(key, { ...enrollmentHeader(key), typ: 'JWT' }, payload(e)) },
    { rule: 'a kid instead of the jwk', forge: (e, key) => signAssertion(key, { alg: key.alg, typ: 'scanin+jwt', kid: key.deviceId }, payload(e)) },
    { rule: 'a kid besides the jwk', forge: (e, key) => signAssertion(key, { ...enrollmentHeader(key), kid: key.deviceId }, payload(e)) },
    { rule: 'a jwk containing the private key d', forge: (e, key) => signAssertion(key, { ...enrollmentHeader(key), jwk: { ...key.publicJwk, d: Buffer.from(key.privateKey).toString('base64url') } }, payload(e)) },
    { rule: 'a P-256 jwk with alg EdDSA', forge: (e, key) => signAssertion(key, { ...enrollmentHeader(key), alg: 'EdDSA' }, payload(e)) },
    {
      rule: 'an Ed25519 jwk with alg ES256',
      forge: (e) => {
        const ed = generateDeviceKey('EdDSA');
        return signAssertion(ed, { ...enrollmentHeader(ed), alg: 'ES256' }, payload(e));
      },
    },
    {
      rule: 'a jwk of another key than the one that signed (no proof of possession)',
      forge: (e, key) => signAssertion(generateDeviceKey('ES256'), enrollmentHeader(key), payload(e)),
    },
    { rule: 'a jwk of curve P-384', forge: (e, key) => signAssertion(key, { ...enrollmentHeader(key), jwk: { ...key.publicJwk, crv: 'P-384' } }, payload(e)) },
    { rule: 'an RSA jwk', forge: (e, key) => signAssertion(key, { ...enrollmentHeader(key), alg: 'ES256', jwk: { kty: 'RSA', n: 'AQAB', e: 'AQAB' } }, payload(e)) },
    {
      rule: 'a jwk whose point is not on the curve',
      forge: (e, key) => signAssertion(key, { ...enrollmentHeader(key), jwk: { kty: 'EC', crv: 'P-256', x: 'A'.repeat(43), y: 'B'.repeat(43) } }, payload(e)),
    },
    { rule: 'no jwk and no kid', forge: (e, key) => signAssertion(key, { alg: key.alg, typ: 'scanin+jwt' }, payload(e)) },
    { rule: 'alg "none"', forge: (e, key) => signAssertion(key, { ...enrollmentHeader(key), alg: 'none' }, payload(e)) },
    { rule: 'a malformed JWS (two parts)', forge: (e, key) => enrollmentAssertion(scanin, key, e).split('.').slice(0, 2).join('.') },
  ];

  it.each(forgeries)('$rule gets 401 invalid_assertion, and no device is added', async ({ forge }) => {
    const enrollment = await invite();
    const key = generateDeviceKey('ES256');
    expectError(await enroll(enrollment, forge(enrollment, key)), 401, 'invalid_assertion');
    expect(await findDevice(scanin.services.db, key.deviceId)).toBeUndefined();
    await expectStillEnrollable(enrollment);
  });

  it('iat 61 s in the past gets 401 clock_skew, and no device is added', async () => {
    const enrollment = await invite();
    const key = generateDeviceKey('ES256');
    expectError(await enroll(enrollment, enrollmentAssertion(scanin, key, enrollment, { iat: scanin.services.clock() - 61 })), 401, 'clock_skew');
    expect(await findDevice(scanin.services.db, key.deviceId)).toBeUndefined();
    await expectStillEnrollable(enrollment);
  });

  it.each([
    { rule: 'an empty device_name', name: '' },
    { rule: 'a device_name of spaces only', name: '   ' },
    { rule: 'a device_name of white space of every kind trimmed (tab, NBSP, U+3000, U+FEFF)', name: '\t\u00A0\u3000\uFEFF' },
    { rule: 'a device_name of 65 characters', name: 'n'.repeat(65) },
    { rule: 'a device_name with a control character', name: 'Pixel\n9' },
    { rule: 'a device_name with a lone surrogate', name: 'my\ud800phone' },
    { rule: 'a device_name with a lone low surrogate at the end', name: 'phone\udc00' },
    { rule: 'a device_name with a byte order mark inside', name: 'my\uFEFFphone' },
    { rule: 'a device_name that is not a string', name: 9 },
    { rule: 'no device_name', name: undefined },
  ])('$rule gets 400 invalid_device_name, and no device is added', async ({ name }) => {
    const enrollment = await invite();
    const key = generateDeviceKey('ES256');
    expectError(await enroll(enrollment, enrollmentAssertion(scanin, key, enrollment, { device_name: name })), 400, 'invalid_device_name');
    expect(await findDevice(scanin.services.db, key.deviceId)).toBeUndefined();
    await expectStillEnrollable(enrollment);
  });

  // add_device is confirmed in the browser by the device name it shows, so the shown name must
  // be the real one: no invisible name, no right-to-left override that displays another text.
  it.each([
    { rule: 'a device_name of invisible characters only (zero-width spaces)', name: '\u200B\u200B' },
    { rule: 'a device_name with a right-to-left override (U+202E)', name: 'Alice\u202E enohP s' },
  ])('$rule gets 400 invalid_device_name, and no device is added', async ({ name }) => {
    const enrollment = await invite();
    const key = generateDeviceKey('ES256');
    expectError(await enroll(enrollment, enrollmentAssertion(scanin, key, enrollment, { device_name: name })), 400, 'invalid_device_name');
    expect(await findDevice(scanin.services.db, key.deviceId)).toBeUndefined();
  });
});
