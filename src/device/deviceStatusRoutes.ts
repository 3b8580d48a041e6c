// GET /device/v1/device[?wait=N] — a device asks the server about itself (docs/protocol.md §6,
// "Waiting for confirmation"): how a device an `add_device` enrollment left waiting learns that
// the person confirmed it. Authenticated by the device (`Authorization: Scanin`, act "device");
// unlike every other call, a device waiting for confirmation is answered (its own state only).
// With `wait` (1–30 s) a waiting device's call is a long poll: it answers as soon as the person
// confirms or rejects it, or when its time to be confirmed (or the wait) is over.
// Order: §15's checks, with a waiting device let through → the account is not disabled (403) →
// `wait` (400) → the answer: 200 with the state, or 403 device_revoked once rejected or too late.
import type Router from '@koa/router';
import { deviceRefusal } from '../accounts/access.ts';
import { deviceTopic } from '../events/bus.ts';
import { accountDisabled, unknownDevice } from '../protocol/errors.ts';
import type { Services } from '../services.ts';
import { findAccountById } from '../store/accounts.ts';
import { findDeviceAndAccount, type Device } from '../store/devices.ts';
import { authenticateDeviceRequest } from './authenticateDeviceRequest.ts';
import { parseWait, topicWaiter } from './longPoll.ts';

export const DEVICE_STATUS_PATH = '/device/v1/device';

/** A wait that ends after the confirmation deadline, not on it, so the database agrees it passed. */
const DEADLINE_SLACK_MS = 1_050;

export function mountDeviceStatusRoutes(router: Router, services: Services): void {
  const { db, clock } = services;

  /** The device as it is now: its answer, or the refusal it has earned since (rejected, too late). */
  async function currentState(deviceId: string): Promise<Device> {
    const found = await findDeviceAndAccount(db, deviceId);
    // Deleted with its account while the device waited: as for any call, it is unknown now.
    if (!found) throw unknownDevice(deviceId);
    const refusal = deviceRefusal(found.device, found.account, clock());
    if (refusal && refusal.code !== 'device_pending') throw refusal;
    return found.device;
  }

  router.get(DEVICE_STATUS_PATH, async (ctx) => {
    const authenticated = await authenticateDeviceRequest(ctx, services, {
      act: 'device',
      path: DEVICE_STATUS_PATH,
      acceptPending: true,
      limits: { ip: 'device_status_ip', device: 'device_status_device' },
    });
    const account = await findAccountById(db, authenticated.device.account_id);
    if (!account || account.disabled_at !== null) throw accountDisabled();
    const wait = parseWait(ctx.query.wait);
    let device = authenticated.device;
    if (wait > 0 && device.status === 'pending_confirmation') {
      const untilDeadline = (device.confirm_by! - clock()) * 1000 + DEADLINE_SLACK_MS;
      const waiter = topicWaiter(ctx, services, deviceTopic(device.id), Math.min(wait * 1000, untilDeadline));
      try {
        // Read again after subscribing: a confirmation just before would otherwise be missed.
        device = await currentState(device.id);
        if (device.status === 'pending_confirmation') await waiter.arrived;
      } finally {
        waiter.cancel();
      }
      device = await currentState(device.id);
    }
    ctx.body = {
      device_id: device.id,
      sub: device.account_id,
      status: device.status,
      device_name: device.name,
      confirm_by: device.status === 'pending_confirmation' ? device.confirm_by : null,
    };
  });
}
