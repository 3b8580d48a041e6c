// /device/v1/push — a device's Web Push subscription (protocol §18), every call signed by the
// device (`Authorization: Scanin`, act "push"): GET says the VAPID key to subscribe with and
// whether this device is subscribed; PUT stores the browser's PushSubscription (its toJSON():
// endpoint and keys); DELETE removes it. The endpoint must be an https URL on a public host:
// Scanin POSTs to it, so a device must not be able to aim those requests inside the network
// (ALLOW_PRIVATE_CALLBACKS lifts that, as for back-channel logout, for tests and internal
// push services).
import { createPublicKey } from 'node:crypto';
import { isIP } from 'node:net';
import type Router from '@koa/router';
import { authenticateDeviceRequest, type DeviceRequestExpectation } from '../device/authenticateDeviceRequest.ts';
import { parseJsonObject } from '../device/body.ts';
import { invalidRequest } from '../protocol/errors.ts';
import type { Services } from '../services.ts';
import { deletePushSubscription, findPushSubscription, putPushSubscription } from '../store/pushSubscriptions.ts';
import type { Pusher } from './pusher.ts';

export const PUSH_PATH = '/device/v1/push';
const EXPECTED: DeviceRequestExpectation = { act: 'push', path: PUSH_PATH, limits: { ip: 'push_ip', device: 'push_device' } };
const BASE64URL = /^[A-Za-z0-9_-]+$/;

function checkEndpoint(raw: unknown, allowPrivate: boolean): string {
  if (typeof raw !== 'string' || raw.length > 1024) throw invalidRequest('endpoint must be the push service URL of the subscription, at most 1024 characters');
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw invalidRequest('endpoint is not a URL');
  }
  if (url.protocol !== 'https:') throw invalidRequest('endpoint must be an https URL');
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (!allowPrivate && (isIP(host) !== 0 || host === 'localhost' || host.endsWith('.localhost') || !host.includes('.'))) {
    throw invalidRequest('endpoint must be on a push service\'s public host name, not an address or a local name');
  }
  return url.href;
}

/** The browser's P-256 key (65 bytes, uncompressed, a point of the curve) and its 16-byte auth secret. */
function checkKeys(raw: unknown): { p256dh: string; auth: string } {
  const keys = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>;
  const { p256dh, auth } = keys;
  if (typeof p256dh !== 'string' || !BASE64URL.test(p256dh) || typeof auth !== 'string' || !BASE64URL.test(auth)) {
    throw invalidRequest('keys must be {"p256dh": <base64url>, "auth": <base64url>}, as PushSubscription.toJSON() gives them');
  }
  const point = Buffer.from(p256dh, 'base64url');
  try {
    if (point.length !== 65 || point[0] !== 4) throw new Error('not an uncompressed point');
    createPublicKey({ key: { kty: 'EC', crv: 'P-256', x: point.subarray(1, 33).toString('base64url'), y: point.subarray(33).toString('base64url') }, format: 'jwk' });
  } catch {
    throw invalidRequest('keys.p256dh must be an uncompressed P-256 public key (65 bytes)');
  }
  if (Buffer.from(auth, 'base64url').length !== 16) throw invalidRequest('keys.auth must be 16 bytes');
  return { p256dh, auth };
}

export function mountPushRoutes(router: Router, services: Services, pusher: Pusher): void {
  const { db } = services;

  router.get(PUSH_PATH, async (ctx) => {
    const { device } = await authenticateDeviceRequest(ctx, services, EXPECTED);
    ctx.body = { vapid_public_key: pusher.publicKey, subscribed: (await findPushSubscription(db, device.id)) !== undefined };
  });

  router.put(PUSH_PATH, async (ctx) => {
    const { device, body, now } = await authenticateDeviceRequest(ctx, services, EXPECTED);
    const subscription = parseJsonObject(ctx, body);
    const endpoint = checkEndpoint(subscription.endpoint, services.config.allowPrivateCallbacks);
    await putPushSubscription(db, { device_id: device.id, endpoint, ...checkKeys(subscription.keys) }, now);
    ctx.body = { vapid_public_key: pusher.publicKey, subscribed: true };
  });

  router.delete(PUSH_PATH, async (ctx) => {
    const { device } = await authenticateDeviceRequest(ctx, services, EXPECTED);
    await deletePushSubscription(db, device.id);
    ctx.body = { vapid_public_key: pusher.publicKey, subscribed: false };
  });
}
