// Whether a device may still speak for its account: it must be active and its account enabled.
// Checked when a device answers, when a browser completes an approved login, and again when the
// engine stores the session that login created (so a revocation racing a login cannot miss it).
import { accountDisabled, devicePending, deviceRevoked, type ProtocolError } from '../protocol/errors.ts';
import { findAccountById } from '../store/accounts.ts';
import type { Db } from '../store/db.ts';
import type { Device } from '../store/devices.ts';

/** The error that refuses this device now, or null when it may answer. */
export async function deviceRefusal(db: Db, device: Device): Promise<ProtocolError | null> {
  if (device.status === 'revoked') return deviceRevoked();
  if (device.status !== 'active') return devicePending();
  const account = await findAccountById(db, device.account_id);
  if (!account || account.disabled_at !== null) return accountDisabled();
  return null;
}
