// Web Push (RFC 8030) to the devices of an account, so that a phone learns of a sign-in that has
// no QR code (CIBA) or of a new device added to the account, while its app is closed. Messages are
// encrypted to each subscription (RFC 8291, aes128gcm) and signed with Scanin's VAPID key (RFC
// 8292), made once and kept like the cookie secrets. A message says only what kind of thing
// waits and on which issuer — no app, no name, no number: the push service and anyone who sees
// the notification learn nothing more; the phone reads the rest through its signed device calls.
// A subscription the push service calls gone (404, 410) is removed; other failures are logged
// and not retried (a sign-in lasts minutes; the inbox still holds it).
import webpush from 'web-push';
import type { Config } from '../config/env.ts';
import type { Logger } from '../log/logger.ts';
import { generatedSecret } from '../oidc/keys.ts';
import type { Db } from '../store/db.ts';
import { accountPushSubscriptions, deleteStalePushSubscription, type PushSubscription } from '../store/pushSubscriptions.ts';

/** What a push says (protocol §18): the kind of thing waiting, and where. */
export type PushMessage = { type: 'sign_in' | 'new_device'; issuer: string };

export type Pusher = {
  /** The VAPID public key (base64url, uncompressed P-256 point) a device subscribes with. */
  publicKey: string;
  /** Pushes `type` to the account's active subscribed devices (but `exceptDevice`); never rejects. */
  notifyAccount(accountId: string, type: PushMessage['type'], options?: { exceptDevice?: string; ttl?: number }): Promise<void>;
};

type VapidKeys = { publicKey: string; privateKey: string };

export async function openPusher(inputs: { db: Db; config: Config; issuer: string; log: Logger }): Promise<Pusher> {
  const { db, config, issuer, log } = inputs;
  const keys = await generatedSecret<VapidKeys>(db, 'push.vapid_keys', () => webpush.generateVAPIDKeys(), config.keysSecret, 'the VAPID key', log);
  // RFC 8292 §2.1: a contact for the push service, an https URL or a mailto:. A development
  // issuer on http gives the mail sender, or a placeholder.
  const subject = issuer.startsWith('https:') ? issuer : 'mailto:scanin@localhost.localdomain';

  async function push(subscription: PushSubscription, message: PushMessage, ttl: number): Promise<void> {
    try {
      await webpush.sendNotification(
        { endpoint: subscription.endpoint, keys: { p256dh: subscription.p256dh, auth: subscription.auth } },
        JSON.stringify(message),
        { vapidDetails: { subject, publicKey: keys.publicKey, privateKey: keys.privateKey }, TTL: ttl, urgency: 'high', timeout: 10_000 },
      );
    } catch (error) {
      const status = (error as { statusCode?: number }).statusCode;
      if (status === 404 || status === 410) {
        await deleteStalePushSubscription(db, subscription.device_id, subscription.endpoint);
        log.info({ device_id: subscription.device_id, status }, 'push subscription gone; removed');
        return;
      }
      log.warn({ err: error, device_id: subscription.device_id, status }, 'push not delivered');
    }
  }

  return {
    publicKey: keys.publicKey,
    async notifyAccount(accountId, type, options = {}) {
      try {
        const subscriptions = await accountPushSubscriptions(db, accountId, options.exceptDevice);
        await Promise.all(subscriptions.map((subscription) => push(subscription, { type, issuer }, options.ttl ?? 300)));
      } catch (error) {
        log.error({ err: error }, 'push failed');
      }
    },
  };
}
