// Adding a device, the two-step handover. A signed-in person's browser shows an `add_device`
// enrollment's QR code; the new device enrolls through the device API (docs/protocol.md §6) and
// waits in `pending_confirmation`; the browser that showed the code sees its name and key type
// and must confirm it ("Joe's iPad — is this yours?") before it can answer a login, or reject
// it, which revokes it. A device nobody confirmed before its enrollment's `expires_at` is
// revoked by that time (its `confirm_by`) and can never be confirmed afterwards.
//
// Each change is one conditional update of one row (store/devices.ts): of two confirmations, a
// confirmation and a rejection, or a confirmation and the expiry racing, exactly one wins, and
// the others find the state it left. Every change wakes the browser's stream and the device's
// status call (events/bus.ts), and is audited.
import { recordAudit } from '../audit/audit.ts';
import { addDeviceTopic, deviceTopic } from '../events/bus.ts';
import type { DeviceAlg } from '../protocol/jwk.ts';
import type { Services } from '../services.ts';
import { findAccountById } from '../store/accounts.ts';
import { expireUnconfirmedDevice, findDevice, listUnconfirmedExpired, settlePendingDevice, type Device } from '../store/devices.ts';
import { cancelOpenEnrollments, currentAddDeviceEnrollment, enrollmentOfDevice, findEnrollment, setCurrentAddDevice, type Enrollment } from '../store/enrollments.ts';
import { sendNewDeviceAlert } from '../mail/notifications.ts';
import { createEnrollment } from './enrollments.ts';

/** What the browser shows of the device that enrolled: enough for a person to recognise it. */
export type AddedDevice = { device_id: string; name: string; alg: DeviceAlg; created_at: number };

/**
 * Where an add-device handover stands, as its browser sees it:
 *   pending    the QR code is live, no device used it yet
 *   enrolled   a device enrolled and waits for Confirm or "No, remove it"
 *   confirmed  the person confirmed it: it is active
 *   removed    the person rejected it (or it was revoked since): it can never answer
 *   expired    the code ran out unused or was replaced by a newer one, or the device was never confirmed in time
 */
export type AddDeviceState =
  | { status: 'pending'; expires_at: number }
  | { status: 'enrolled'; device: AddedDevice; expires_at: number }
  | { status: 'confirmed' | 'removed'; device: AddedDevice }
  | { status: 'expired'; device?: AddedDevice };

export class AddDeviceRefused extends Error {}

function addedDevice(device: Device): AddedDevice {
  return { device_id: device.id, name: device.name, alg: device.alg, created_at: device.created_at };
}

/**
 * Makes the account's add-device enrollment, living ADD_DEVICE_TTL seconds. It cancels the
 * account's earlier open ones: one live add-device code per person, so a code shown and
 * forgotten in another tab stops working.
 */
export async function startAddDevice(services: Services, accountId: string, ip: string | null): Promise<Enrollment> {
  const { db, clock } = services;
  const account = await findAccountById(db, accountId);
  if (!account || account.disabled_at !== null) throw new AddDeviceRefused('This account cannot add devices (it is disabled or no longer exists).');
  const { cancelled, enrollment } = await db.transaction(async (trx) => {
    const cancelled = await cancelOpenEnrollments(trx, account.id, 'add_device', clock());
    const enrollment = await createEnrollment(trx, clock, account, 'add_device', services.config.addDeviceTtl);
    await setCurrentAddDevice(trx, account.id, enrollment.eid);
    return { cancelled, enrollment };
  });
  // The eid is a one-time capability: it stays out of the audit trail.
  await recordAudit(services, { event: 'add_device.started', account_id: account.id, ip, detail: { cancelled, expires_at: enrollment.expires_at } });
  // Another tab showing the replaced code moves on to this one.
  await services.bus.publish(addDeviceTopic(account.id), { type: 'device_state', data: {} });
  return enrollment;
}

/**
 * The account's current handover: its newest add-device enrollment. There is one live code per
 * account (a new one cancels the older), so the pages never need to name it, and the eid, a
 * one-time capability, stays out of their URLs and the browser's history.
 */
export function currentAddDevice(services: Services, accountId: string): Promise<Enrollment | undefined> {
  return currentAddDeviceEnrollment(services.db, accountId);
}

/** The add-device enrollment that bound `deviceId`, if it is the account's (else undefined: another account learns nothing). */
export async function addDeviceOf(services: Services, deviceId: string, accountId: string): Promise<Enrollment | undefined> {
  const enrollment = await enrollmentOfDevice(services.db, deviceId, 'add_device');
  return enrollment?.account_id === accountId ? enrollment : undefined;
}

export async function addDeviceState(services: Services, enrollment: Enrollment): Promise<AddDeviceState> {
  const now = services.clock();
  if (enrollment.status === 'pending' && enrollment.expires_at > now) return { status: 'pending', expires_at: enrollment.expires_at };
  const device = enrollment.status === 'enrolled' && enrollment.device_id ? await findDevice(services.db, enrollment.device_id) : undefined;
  if (!device) return { status: 'expired' };
  const shown = addedDevice(device);
  if (device.status === 'active') return { status: 'confirmed', device: shown };
  if (device.status === 'pending_confirmation') {
    return device.confirm_by !== null && device.confirm_by > now ? { status: 'enrolled', device: shown, expires_at: device.confirm_by } : { status: 'expired', device: shown };
  }
  // Revoked: by the person ("No, remove it") or later, or by the expiry, which revokes at confirm_by.
  const expiredUnconfirmed = device.confirm_by !== null && device.revoked_at !== null && device.revoked_at >= device.confirm_by;
  return { status: expiredUnconfirmed ? 'expired' : 'removed', device: shown };
}

export type Settlement = { changed: boolean; state: AddDeviceState };

/**
 * Confirm (`active`) or "No, remove it" (`revoked`) for the device `enrollment` bound, by its
 * account's browser. `changed` is false when it no longer waited (another answer or the expiry
 * came first); `state` is then what that left.
 */
export async function settleAddedDevice(services: Services, enrollment: Enrollment, decision: 'confirm' | 'reject', ip: string | null): Promise<Settlement> {
  const deviceId = enrollment.status === 'enrolled' ? enrollment.device_id : null;
  const changed = deviceId !== null && (await settlePendingDevice(services.db, deviceId, decision === 'confirm' ? 'active' : 'revoked', services.clock()));
  if (changed) {
    await recordAudit(services, { event: decision === 'confirm' ? 'device.confirmed' : 'device.rejected', account_id: enrollment.account_id, device_id: deviceId, ip, detail: { by: 'account' } });
    await wake(services, enrollment.account_id, deviceId);
    const device = decision === 'confirm' ? await findDevice(services.db, deviceId) : undefined;
    const account = device && (await findAccountById(services.db, enrollment.account_id));
    if (device && account) await sendNewDeviceAlert(services, account, device, ip);
  }
  return { changed, state: await addDeviceState(services, await findEnrollment(services.db, enrollment.eid) ?? enrollment) };
}

/** Tells the account's add-device pages and the device's status call to read their state again. */
export async function wake(services: Services, accountId: string, deviceId: string): Promise<void> {
  await services.bus.publish(addDeviceTopic(accountId), { type: 'device_state', data: {} });
  await services.bus.publish(deviceTopic(deviceId), { type: 'device_state', data: {} });
}

/**
 * The sweeper's part: devices whose confirmation time passed become `revoked` (at `confirm_by`),
 * each recorded once as `device.expired` even when instances sweep at the same moment. Until
 * then they are refused all the same (accounts/access.ts tells them they are revoked).
 */
export async function expireUnconfirmedDevices(services: Services): Promise<number> {
  const now = services.clock();
  let expired = 0;
  for (const device of await listUnconfirmedExpired(services.db, now)) {
    if (!(await expireUnconfirmedDevice(services.db, device.id, now))) continue;
    expired += 1;
    await recordAudit(services, { event: 'device.expired', account_id: device.account_id, device_id: device.id, detail: { confirm_by: device.confirm_by } });
    // A page still showing it (its own deadline normally got there first) and a waiting device.
    await wake(services, device.account_id, device.id);
  }
  return expired;
}
