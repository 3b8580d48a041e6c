// Adding a device, as the device sees it (the browser's side is in test/accountPage/): an
// add_device enrollment → the reference authenticator enrolls and is left `pending_confirmation`
// → every answer it gives is refused with 403 device_pending → the person confirms → its status
// call (GET /device/v1/device, docs/protocol.md §6) says `active`, at once for a waiting call, and
// a QR login with it reaches the app. And: rejection, expiry, replay of the enrollment, a newer
// code replacing an older one, and the status call's own refusals.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listAudit } from '../../src/audit/audit.ts';
import { requestAuthorization } from '../../src/authenticator/assertion.ts';
import { Authenticator } from '../../src/authenticator/authenticator.ts';
import { runCli } from '../../src/authenticator/cli.ts';
import { generateDeviceKey } from '../../src/authenticator/keys.ts';
import { loadDevices } from '../../src/authenticator/keystore.ts';
import { disableAccount, enableAccount } from '../../src/accounts/cutOff.ts';
import { addDeviceState, AddDeviceRefused, startAddDevice, settleAddedDevice } from '../../src/enrollment/addDevice.ts';
import { enrollmentUrl } from '../../src/protocol/urls.ts';
import { findDevice } from '../../src/store/devices.ts';
import { findEnrollment, type Enrollment } from '../../src/store/enrollments.ts';
import { findLoginRequest } from '../../src/store/loginRequests.ts';
import {
  call,
  deviceStatusCall,
  enrollDevice,
  enrollmentAssertion,
  enrollmentPath,
  expectError,
  postAssertion,
  startDeviceTestScanin,
  type DeviceTestScanin,
  type EnrollmentView,
  type TestDevice,
} from '../helpers/device.ts';
import { completeLogin, openLoginPage } from '../helpers/login.ts';
import { discover, redeem } from '../helpers/rp.ts';

const STATUS_PATH = '/device/v1/device';

/** A phone (the test holds its key) enrolled through `enrollment` over raw HTTP: left waiting. */
async function enrollPending(scanin: DeviceTestScanin, enrollment: Enrollment, deviceName = "Joe's iPad"): Promise<TestDevice> {
  const view = await call(scanin, 'GET', enrollmentPath(enrollment.eid));
  expect(view.body.kind).toBe('add_device');
  const key = generateDeviceKey('EdDSA');
  const answer = await postAssertion(scanin, enrollmentPath(enrollment.eid), enrollmentAssertion(scanin, key, view.body as EnrollmentView, { device_name: deviceName }));
  expect(answer.status, answer.text).toBe(201);
  expect(answer.body).toMatchObject({ device_id: key.deviceId, sub: enrollment.account_id, status: 'pending_confirmation', device_name: deviceName });
  return { key, id: key.deviceId, accountId: enrollment.account_id };
}

/** Resolves once the server holds `count` more long polls or streams than `before`. */
async function untilWaiting(scanin: DeviceTestScanin, before: number, count = 1): Promise<void> {
  while (scanin.services.streams.size < before + count) await new Promise((resolve) => setTimeout(resolve, 10));
}

describe('adding a device: the device side', () => {
  let scanin: DeviceTestScanin;
  let joe: TestDevice;

  beforeAll(async () => {
    scanin = await startDeviceTestScanin({ ADD_DEVICE_TTL: '120' });
    joe = await enrollDevice(scanin, 'joe@example.com');
  });
  afterAll(async () => {
    await scanin?.close();
  });

  const addDevice = () => startAddDevice(scanin.services, joe.accountId, '198.51.100.9');

  it('the reference authenticator enrolls and waits; its answers get 403 device_pending; after Confirm its QR login reaches the app', async () => {
    const enrollment = await addDevice();
    expect(enrollment).toMatchObject({ kind: 'add_device', status: 'pending', expires_at: enrollment.created_at + 120 });
    const ipad = new Authenticator({ keysFile: join(scanin.dir, 'ipad.json'), now: () => scanin.services.clock() * 1000 });
    const enrolled = await ipad.enroll(enrollmentUrl(scanin.issuer, enrollment.eid), { deviceName: "Joe's iPad" });
    expect(enrolled).toMatchObject({ status: 'pending_confirmation', sub: joe.accountId, device_name: "Joe's iPad" });
    expect(await addDeviceState(scanin.services, (await findEnrollment(scanin.services.db, enrollment.eid))!)).toMatchObject({
      status: 'enrolled',
      device: { device_id: enrolled.device_id, name: "Joe's iPad", alg: 'ES256' },
      expires_at: enrollment.expires_at,
    });

    // Before the confirmation: the signed read of a login request is refused and marks nothing.
    const config = await discover(scanin.issuer);
    const before = await openLoginPage(config);
    await expect(ipad.answer(before.qrUrl, 'approve')).rejects.toMatchObject({ status: 403, error: 'device_pending' });
    expect((await findLoginRequest(scanin.services.db, before.rid))!.status).toBe('pending');
    expect(await ipad.deviceStatus(scanin.issuer)).toEqual({ device_id: enrolled.device_id, sub: joe.accountId, status: 'pending_confirmation', device_name: "Joe's iPad", confirm_by: enrollment.expires_at });

    const settled = await settleAddedDevice(scanin.services, (await findEnrollment(scanin.services.db, enrollment.eid))!, 'confirm', '198.51.100.9');
    expect(settled).toMatchObject({ changed: true, state: { status: 'confirmed' } });
    expect(await ipad.deviceStatus(scanin.issuer)).toMatchObject({ status: 'active', confirm_by: null });

    const login = await openLoginPage(config);
    expect((await ipad.answer(login.qrUrl, 'approve')).status).toBe('approved');
    const tokens = await redeem(config, await completeLogin(scanin, login), login.auth);
    expect(tokens.claims()!.sub).toBe(joe.accountId);
    const audit = (await listAudit(scanin.services.db, { accountId: joe.accountId })).map((entry) => [entry.event, entry.device_id]);
    expect(audit).toEqual(expect.arrayContaining([['add_device.started', null], ['enrollment', enrolled.device_id], ['device.confirmed', enrolled.device_id], ['login.approved', enrolled.device_id]]));
  });

  it('a waiting status call (wait=30) answers `active` as soon as the person confirms', async () => {
    const enrollment = await addDevice();
    const ipad = await enrollPending(scanin, enrollment);
    const before = scanin.services.streams.size;
    const waiting = deviceStatusCall(scanin, ipad, '?wait=30');
    await untilWaiting(scanin, before);
    expect((await settleAddedDevice(scanin.services, (await findEnrollment(scanin.services.db, enrollment.eid))!, 'confirm', null)).changed).toBe(true);
    const answer = await waiting;
    expect(answer.status, answer.text).toBe(200);
    expect(answer.body).toEqual({ device_id: ipad.id, sub: joe.accountId, status: 'active', device_name: "Joe's iPad", confirm_by: null });
    expect(answer.headers['cache-control']).toBe('no-store');
  });

  it('scanin-device enroll --wait waits for the confirmation and says `active`', async () => {
    const enrollment = await addDevice();
    const out: string[] = [];
    const before = scanin.services.streams.size;
    const io = { out: (line: string) => out.push(line), err: (line: string) => out.push(`ERR ${line}`), env: {}, ask: null, now: () => scanin.services.clock() * 1000 };
    const running = runCli(['--keys', join(scanin.dir, 'cli-ipad.json'), 'enroll', enrollmentUrl(scanin.issuer, enrollment.eid), '--name', 'CLI iPad', '--wait'], io);
    await untilWaiting(scanin, before);
    expect(out).toContain('status: pending_confirmation');
    await settleAddedDevice(scanin.services, (await findEnrollment(scanin.services.db, enrollment.eid))!, 'confirm', null);
    expect(await running).toBe(0);
    expect(out.at(-1)).toBe('status: active');

    const usage: string[] = [];
    const refused = await runCli(['--keys', join(scanin.dir, 'cli-ipad.json'), 'status', scanin.issuer, '--wait', '31'], { ...io, err: (line: string) => usage.push(line) });
    expect(refused).toBe(2);
    expect(usage.join('\n')).toContain('--wait must be a whole number of seconds from 1 to 30');
    expect(await runCli(['--keys', join(scanin.dir, 'cli-ipad.json'), 'status', scanin.issuer], io)).toBe(0);
    expect(out.at(-1)).toBe('status: active');
  });

  it('"No, remove it" revokes the device: its status call and answers get 403 device_revoked, the authenticator drops the key, and no confirmation can follow', async () => {
    const enrollment = await addDevice();
    const keysFile = join(scanin.dir, 'rejected.json');
    const stranger = new Authenticator({ keysFile, now: () => scanin.services.clock() * 1000 });
    const { device_id } = await stranger.enroll(enrollmentUrl(scanin.issuer, enrollment.eid), { deviceName: 'Not Joe' });
    const stored = (await findEnrollment(scanin.services.db, enrollment.eid))!;
    expect(await settleAddedDevice(scanin.services, stored, 'reject', null)).toMatchObject({ changed: true, state: { status: 'removed', device: { name: 'Not Joe' } } });
    expect(await settleAddedDevice(scanin.services, stored, 'confirm', null)).toMatchObject({ changed: false, state: { status: 'removed' } });
    expect((await findDevice(scanin.services.db, device_id))!.status).toBe('revoked');

    const login = await openLoginPage(await discover(scanin.issuer));
    await expect(stranger.answer(login.qrUrl, 'approve')).rejects.toMatchObject({ status: 403, error: 'device_revoked' });
    await expect(stranger.deviceStatus(scanin.issuer)).rejects.toMatchObject({ status: 403, error: 'device_revoked' });
    expect(await loadDevices(keysFile)).toEqual([]);
    const audit = await listAudit(scanin.services.db, { accountId: joe.accountId });
    expect(audit.filter((entry) => entry.device_id === device_id).map((entry) => entry.event)).toEqual(['enrollment', 'device.rejected']);
  });

  it('the enrollment cannot be replayed: the same assertion, another key, and a read all get 409', async () => {
    const enrollment = await addDevice();
    const view = (await call(scanin, 'GET', enrollmentPath(enrollment.eid))).body as EnrollmentView;
    const key = generateDeviceKey('ES256');
    const assertion = enrollmentAssertion(scanin, key, view);
    expect((await postAssertion(scanin, enrollmentPath(enrollment.eid), assertion)).status).toBe(201);
    expectError(await postAssertion(scanin, enrollmentPath(enrollment.eid), assertion), 409, 'already_answered');
    expectError(await postAssertion(scanin, enrollmentPath(enrollment.eid), enrollmentAssertion(scanin, generateDeviceKey('ES256'), view)), 409, 'already_answered');
    expectError(await call(scanin, 'GET', enrollmentPath(enrollment.eid)), 409, 'already_answered');
  });

  it('a new add-device code replaces the account\'s open one: the older link answers 410', async () => {
    const older = await addDevice();
    const newer = await addDevice();
    expectError(await call(scanin, 'GET', enrollmentPath(older.eid)), 410, 'expired');
    expect((await call(scanin, 'GET', enrollmentPath(newer.eid))).status).toBe(200);
    expect(await addDeviceState(scanin.services, (await findEnrollment(scanin.services.db, older.eid))!)).toEqual({ status: 'expired' });
  });

  it('a disabled account cannot start adding a device', async () => {
    const other = await enrollDevice(scanin, 'disabled@example.com');
    await disableAccount(scanin.services.db, scanin.services.clock, other.accountId);
    await expect(startAddDevice(scanin.services, other.accountId, null)).rejects.toBeInstanceOf(AddDeviceRefused);
    await enableAccount(scanin.services.db, other.accountId);
  });

  it('the status call follows §15: a missing or foreign header, another act, a replayed jti, a bad wait, and a disabled account are refused', async () => {
    const ipad = await enrollPending(scanin, await addDevice());
    const missing = await call(scanin, 'GET', STATUS_PATH);
    expectError(missing, 401, 'invalid_assertion');
    expect(missing.headers['www-authenticate']).toBe('Scanin');
    expectError(await deviceStatusCall(scanin, ipad, '', { act: 'vault' }), 401, 'invalid_assertion');
    expectError(await deviceStatusCall(scanin, ipad, '', { iat: scanin.services.clock() - 61 }), 401, 'clock_skew');
    // Signed by another key under this device's kid: the state is told only to the key's holder.
    expectError(await deviceStatusCall(scanin, { ...ipad, key: { ...generateDeviceKey('EdDSA'), deviceId: ipad.id } }), 401, 'invalid_assertion');
    for (const wait of ['31', 'abc', '-1', '1.5']) expectError(await deviceStatusCall(scanin, ipad, `?wait=${wait}`), 400, 'invalid_request');

    const authorization = requestAuthorization(ipad.key, { issuer: scanin.issuer, act: 'device', method: 'GET', url: `${scanin.issuer}${STATUS_PATH}`, body: new Uint8Array(), iat: scanin.services.clock() });
    expect((await call(scanin, 'GET', STATUS_PATH, undefined, { authorization })).status).toBe(200);
    expectError(await call(scanin, 'GET', STATUS_PATH, undefined, { authorization }), 401, 'invalid_assertion');

    await disableAccount(scanin.services.db, scanin.services.clock, joe.accountId);
    try {
      expectError(await deviceStatusCall(scanin, ipad), 403, 'account_disabled');
    } finally {
      await enableAccount(scanin.services.db, joe.accountId);
    }
    expect((await deviceStatusCall(scanin, ipad)).body.status).toBe('pending_confirmation');
  });

  it('an active device of an invite may ask too: `active`, confirm_by null', async () => {
    const answer = await deviceStatusCall(scanin, joe, '?wait=5');
    expect(answer.status, answer.text).toBe(200);
    expect(answer.body).toEqual({ device_id: joe.id, sub: joe.accountId, status: 'active', device_name: 'Test Phone', confirm_by: null });
  });
});

describe('the status call is rate-limited per device once its signature is checked', () => {
  let scanin: DeviceTestScanin;
  beforeAll(async () => {
    scanin = await startDeviceTestScanin({ RATE_LIMITS: 'device_status_device=2/60' });
  });
  afterAll(async () => {
    await scanin?.close();
  });

  it('past device_status_device: 429 rate_limited with Retry-After, and a forgery with its kid counts nothing', async () => {
    const joe = await enrollDevice(scanin, 'joe@example.com');
    const ipad = await enrollPending(scanin, await startAddDevice(scanin.services, joe.accountId, null));
    const forger = { key: { ...generateDeviceKey('EdDSA'), deviceId: ipad.id }, id: ipad.id, accountId: joe.accountId };
    for (let i = 0; i < 3; i++) expectError(await deviceStatusCall(scanin, forger), 401, 'invalid_assertion');
    expect((await deviceStatusCall(scanin, ipad)).status).toBe(200);
    expect((await deviceStatusCall(scanin, ipad)).status).toBe(200);
    const limited = await deviceStatusCall(scanin, ipad);
    expectError(limited, 429, 'rate_limited');
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
  });
});
