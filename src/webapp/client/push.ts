// Notifications for an account (docs/protocol.md §18): on the person's tap, ask for permission,
// subscribe this app's service worker with Scanin's VAPID key and give the subscription to
// Scanin with the account's signed call. One worker has one subscription, so every account of
// this app shares it; the worker shows what arrives (sw.ts).
import type { Account } from './accountStore.ts';
import { callPush } from './deviceApi.ts';
import { h } from './dom.ts';

const fromBase64url = (text: string) => Uint8Array.from(atob(text.replace(/-/g, '+').replace(/_/g, '/')), (c) => c.charCodeAt(0));

const sameKey = (a: ArrayBuffer | null, b: Uint8Array) => a !== null && a.byteLength === b.length && new Uint8Array(a).every((byte, i) => byte === b[i]);

/** Subscribes (or reuses the subscription made with the same key) and registers it for `account`; throws a sentence. */
export async function turnOnNotifications(account: Account): Promise<void> {
  if (!('Notification' in window) || !('serviceWorker' in navigator) || !('PushManager' in window)) throw new Error('This browser cannot show notifications for a web app.');
  // Asked on a tap, as browsers require: a refusal is the person's and is not asked again.
  if ((await Notification.requestPermission()) !== 'granted') throw new Error('Notifications are blocked for this app: allow them in the browser\'s site settings.');
  const { vapidPublicKey } = await callPush(account, 'GET');
  const key = fromBase64url(vapidPublicKey);
  const { pushManager } = await navigator.serviceWorker.ready;
  let subscription = await pushManager.getSubscription();
  if (subscription && !sameKey(subscription.options.applicationServerKey, key)) {
    await subscription.unsubscribe();
    subscription = null;
  }
  try {
    subscription ??= await pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: key });
  } catch {
    throw new Error('The browser\'s push service cannot be reached. Try again when online.');
  }
  await callPush(account, 'PUT', subscription.toJSON());
}

/** Before an account leaves this phone: Scanin stops pushing to it. Offline, the push stops when the device is revoked. */
export async function dropNotifications(account: Account): Promise<void> {
  await callPush(account, 'DELETE').catch(() => undefined);
}

/** The button that turns notifications on for `account`, with its outcome said under it. */
export function notificationsButton(account: Account): HTMLElement {
  const status = h('p', { class: 'status', role: 'status', id: 'push-status' });
  const button = h('button', { type: 'button', id: 'push-on', onclick: async () => {
    button.disabled = true;
    status.textContent = 'Turning on…';
    try {
      await turnOnNotifications(account);
      status.textContent = 'Notifications are on: a sign-in waiting for you shows up even when this app is closed.';
    } catch (error) {
      status.textContent = (error as Error).message;
    } finally {
      button.disabled = false;
    }
  } }, 'Turn on notifications');
  return h('div', { class: 'push' }, button, status);
}
