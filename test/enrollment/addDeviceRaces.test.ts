// Adding a device when things happen at once or too late, on SQLite and PostgreSQL: concurrent
// confirmations (one wins, one audit entry), a confirmation racing a rejection, a confirmation
// racing the expiry, and a device never confirmed: refused as revoked from its confirm_by on,
// its status call told so, never confirmable afterwards, and recorded once by concurrent sweeps.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listAudit } from '../../src/audit/audit.ts';
import { generateDeviceKey } from '../../src/authenticator/keys.ts';
import { addDeviceState, expireUnconfirmedDevices, settleAddedDevice, startAddDevice } from '../../src/enrollment/addDevice.ts';
import { findDevice } from '../../src/store/devices.ts';
import { findEnrollment, type Enrollment } from '../../src/store/enrollments.ts';
import { createTestDatabase, DATABASE_KINDS, type TestDatabase } from '../helpers/databases.ts';
import { call, deviceStatusCall, enrollDevice, enrollmentAssertion, enrollmentPath, expectError, postAssertion, startDeviceTestScanin } from '../helpers/device.ts';
import type { DeviceTestScanin, EnrollmentView, TestDevice } from '../helpers/device.ts';

const TTL = 60;

describe.each(DATABASE_KINDS)('adding a device on %s: races and expiry', (kind) => {
  let database: TestDatabase;
  let scanin: DeviceTestScanin;
  let joe: TestDevice;

  beforeAll(async () => {
    database = await createTestDatabase(kind);
    scanin = await startDeviceTestScanin({ DATABASE_URL: database.url, ADD_DEVICE_TTL: String(TTL) });
    joe = await enrollDevice(scanin, 'joe@example.com');
  });
  afterAll(async () => {
    scanin?.clock.release();
    await scanin?.close();
    await database?.drop();
  });

  /** A fresh add-device code and a phone (whose key the test holds) waiting on it. */
  async function pendingDevice(): Promise<{ enrollment: Enrollment; device: TestDevice }> {
    scanin.clock.release();
    const started = await startAddDevice(scanin.services, joe.accountId, null);
    const view = (await call(scanin, 'GET', enrollmentPath(started.eid))).body as EnrollmentView;
    const key = generateDeviceKey('ES256');
    const answer = await postAssertion(scanin, enrollmentPath(started.eid), enrollmentAssertion(scanin, key, view, { device_name: 'Race Phone' }));
    expect(answer.status, answer.text).toBe(201);
    return { enrollment: (await findEnrollment(scanin.services.db, started.eid))!, device: { key, id: key.deviceId, accountId: joe.accountId } };
  }

  const events = async (deviceId: string) => (await listAudit(scanin.services.db, { accountId: joe.accountId })).filter((entry) => entry.device_id === deviceId).map((entry) => entry.event);

  it('of eight concurrent confirmations exactly one changes the device and is audited; all see it confirmed', async () => {
    const { enrollment, device } = await pendingDevice();
    const results = await Promise.all(Array.from({ length: 8 }, () => settleAddedDevice(scanin.services, enrollment, 'confirm', null)));
    expect(results.filter((result) => result.changed)).toHaveLength(1);
    for (const result of results) expect(result.state.status).toBe('confirmed');
    expect((await findDevice(scanin.services.db, device.id))!.status).toBe('active');
    expect(await events(device.id)).toEqual(['enrollment', 'device.confirmed']);
  });

  it('a confirmation racing a rejection: exactly one wins, and the device is what the winner said', async () => {
    const { enrollment, device } = await pendingDevice();
    const [confirm, reject] = await Promise.all([settleAddedDevice(scanin.services, enrollment, 'confirm', null), settleAddedDevice(scanin.services, enrollment, 'reject', null)]);
    expect(confirm.changed !== reject.changed).toBe(true);
    const status = (await findDevice(scanin.services.db, device.id))!.status;
    expect(status).toBe(confirm.changed ? 'active' : 'revoked');
    expect(confirm.state.status).toBe(reject.state.status);
    expect(await events(device.id)).toEqual(['enrollment', confirm.changed ? 'device.confirmed' : 'device.rejected']);
  });

  it('a confirmation one second before confirm_by wins over the sweeper', async () => {
    const { enrollment, device } = await pendingDevice();
    scanin.clock.freeze(enrollment.expires_at - 1);
    const [settled, swept] = await Promise.all([settleAddedDevice(scanin.services, enrollment, 'confirm', null), expireUnconfirmedDevices(scanin.services)]);
    expect(settled.changed).toBe(true);
    expect(swept).toBe(0);
    expect((await findDevice(scanin.services.db, device.id))!.status).toBe('active');
  });

  it('at confirm_by the expiry wins: the confirmation changes nothing, the device is revoked, told so, and recorded once by concurrent sweeps', async () => {
    const { enrollment, device } = await pendingDevice();
    // Still waiting a second before: its status call says so.
    scanin.clock.freeze(enrollment.expires_at - 1);
    expect((await deviceStatusCall(scanin, device)).body).toMatchObject({ status: 'pending_confirmation', confirm_by: enrollment.expires_at });

    scanin.clock.freeze(enrollment.expires_at);
    // Before any sweep: refused as revoked, and the browser's state says expired.
    expectError(await deviceStatusCall(scanin, device), 403, 'device_revoked');
    const [settled, ...sweeps] = await Promise.all([
      settleAddedDevice(scanin.services, enrollment, 'confirm', null),
      expireUnconfirmedDevices(scanin.services),
      expireUnconfirmedDevices(scanin.services),
      expireUnconfirmedDevices(scanin.services),
    ]);
    expect(settled).toMatchObject({ changed: false, state: { status: 'expired', device: { device_id: device.id } } });
    expect(sweeps.reduce((sum, count) => sum + count, 0)).toBe(1);
    const stored = (await findDevice(scanin.services.db, device.id))!;
    expect(stored).toMatchObject({ status: 'revoked', revoked_at: enrollment.expires_at });
    expect(await events(device.id)).toEqual(['enrollment', 'device.expired']);

    // Never afterwards either, and the state stays `expired`, not `removed`.
    scanin.clock.release();
    expect(await settleAddedDevice(scanin.services, enrollment, 'confirm', null)).toMatchObject({ changed: false, state: { status: 'expired' } });
    expect(await addDeviceState(scanin.services, enrollment)).toMatchObject({ status: 'expired' });
    expectError(await deviceStatusCall(scanin, device), 403, 'device_revoked');
  });

  it('an add-device code nobody used expires with its enrollment: 410 for a device, `expired` for the browser', async () => {
    scanin.clock.release();
    const enrollment = await startAddDevice(scanin.services, joe.accountId, null);
    const view = (await call(scanin, 'GET', enrollmentPath(enrollment.eid))).body as EnrollmentView;
    scanin.clock.freeze(enrollment.expires_at);
    expectError(await postAssertion(scanin, enrollmentPath(enrollment.eid), enrollmentAssertion(scanin, generateDeviceKey('ES256'), view)), 410, 'expired');
    expect(await addDeviceState(scanin.services, enrollment)).toEqual({ status: 'expired' });
  });
});
