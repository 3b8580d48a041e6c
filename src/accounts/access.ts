// Whether a device may still speak for its account: it must be active and its account enabled.
// Checked when a device answers, when a browser completes an approved login, and again when the
// engine stores the session that login created (so a revocation racing a login cannot miss it).
import { accountDisabled, devicePending, deviceRevoked, type ProtocolError } from '../protocol/errors.ts';
import type { Account } from '../store/accounts.ts';
import type { Device } from '../store/devices.ts';

/**
 * The error that refuses this device at `now`, or null when it may answer. A device still waiting
 * for a confirmation whose time has passed (enrollment/addDevice.ts) is told it was revoked, as
 * the sweeper will soon record; without `now`, it is only said to wait (refused all the same).
 * `account`: the device's account as read with it (store/devices.ts, findDeviceAndAccount).
 */
export function deviceRefusal(device: Device, account: Pick<Account, 'disabled_at'> | undefined, now?: number): ProtocolError | null {
  if (device.status === 'revoked') return deviceRevoked();
  if (device.status !== 'active') {
    const tooLate = now !== undefined && device.confirm_by !== null && device.confirm_by <= now;
    return tooLate ? deviceRevoked('this device was never confirmed, and the time to confirm it is over') : devicePending();
  }
  if (!account || account.disabled_at !== null) return accountDisabled();
  return null;
}
