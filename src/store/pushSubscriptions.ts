// Devices' Web Push subscriptions (migrations/019_push_subscriptions.ts).
import type { Db } from './db.ts';

export type PushSubscription = { device_id: string; endpoint: string; p256dh: string; auth: string };

export async function putPushSubscription(db: Db, subscription: PushSubscription, now: number): Promise<void> {
  await db('push_subscriptions').insert({ ...subscription, created_at: now }).onConflict('device_id').merge();
}

export async function deletePushSubscription(db: Db, deviceId: string): Promise<boolean> {
  return (await db('push_subscriptions').where({ device_id: deviceId }).delete()) === 1;
}

/** Only a subscription still at `endpoint` is removed: the device may have subscribed anew meanwhile. */
export async function deleteStalePushSubscription(db: Db, deviceId: string, endpoint: string): Promise<void> {
  await db('push_subscriptions').where({ device_id: deviceId, endpoint }).delete();
}

export async function findPushSubscription(db: Db, deviceId: string): Promise<PushSubscription | undefined> {
  return (await db('push_subscriptions').where({ device_id: deviceId }).first('device_id', 'endpoint', 'p256dh', 'auth')) as PushSubscription | undefined;
}

/** The subscriptions of the account's active devices, but `exceptDevice`. */
export async function accountPushSubscriptions(db: Db, accountId: string, exceptDevice?: string): Promise<PushSubscription[]> {
  const query = db('push_subscriptions')
    .join('devices', 'devices.id', 'push_subscriptions.device_id')
    .where({ 'devices.account_id': accountId, 'devices.status': 'active' })
    .select('push_subscriptions.device_id', 'push_subscriptions.endpoint', 'push_subscriptions.p256dh', 'push_subscriptions.auth');
  if (exceptDevice) query.whereNot('devices.id', exceptDevice);
  return (await query) as PushSubscription[];
}
