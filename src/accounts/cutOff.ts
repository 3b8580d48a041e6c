// Cutting off what is lost or no longer welcome. Revoking a device, disabling or deleting an
// account ends, at once and in the database (so every instance sees it): the device's (or the
// account's) answers not yet used by a browser, the browser sessions its approvals created, and
// the grants those sessions handed out with every access token, refresh token and code of them.
// Later answers are refused by accounts/access.ts. Callers record the action in the audit log.
import type { Clock } from '../clock.ts';
import { endAccountSessions, endDeviceSessions } from '../oidc/sessions.ts';
import type { Db } from '../store/db.ts';
import { revokeDevice } from '../store/devices.ts';
import { deletePushSubscription } from '../store/pushSubscriptions.ts';
import { denyUncompletedApprovals } from '../store/loginRequests.ts';

/** Revokes a device for good and ends what it opened; false when there is no live device. */
export async function revokeDeviceEverywhere(db: Db, clock: Clock, deviceId: string): Promise<boolean> {
  if (!(await revokeDevice(db, deviceId, clock()))) return false;
  await deletePushSubscription(db, deviceId);
  await denyUncompletedApprovals(db, { device_id: deviceId });
  await endDeviceSessions(db, deviceId);
  return true;
}

/** Disables an account (its devices stay bound, unusable) and ends all it opened; false if it was already disabled. */
export async function disableAccount(db: Db, clock: Clock, accountId: string): Promise<boolean> {
  const changed = await db('accounts').where({ id: accountId }).whereNull('disabled_at').update({ disabled_at: clock() });
  await denyUncompletedApprovals(db, { account_id: accountId });
  await endAccountSessions(db, accountId);
  return changed === 1;
}

/** Lets a disabled account log in again with its devices; false if it was not disabled. */
export async function enableAccount(db: Db, accountId: string): Promise<boolean> {
  const changed = await db('accounts').where({ id: accountId }).whereNotNull('disabled_at').update({ disabled_at: null });
  return changed === 1;
}

/** Deletes an account with its devices, enrollments, consents, sessions, grants and tokens. */
export async function deleteAccount(db: Db, accountId: string): Promise<boolean> {
  await endAccountSessions(db, accountId);
  return db.transaction(async (trx) => {
    await trx('login_requests').where({ account_id: accountId }).orWhereIn('device_id', trx('devices').where({ account_id: accountId }).select('id')).delete();
    await trx('enrollments').where({ account_id: accountId }).delete();
    await trx('consents').where({ account_id: accountId }).delete();
    await trx('devices').where({ account_id: accountId }).delete();
    return (await trx('accounts').where({ id: accountId }).delete()) === 1;
  });
}
