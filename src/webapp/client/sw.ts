// The service worker: keeps the app shell so /app/ opens offline (to the accounts, which live in
// IndexedDB). It answers only for the shell's own files; everything else — the device API above
// all, whose answers are one-time challenges — goes to the network untouched and is never stored.
// It also shows the pushes of protocol §18 (which name only a kind and an issuer) and re-gives
// Scanin the subscription when the browser replaces it.
import { listAccounts } from './accountStore.ts';
import { callPush } from './deviceApi.ts';
declare const SHELL_FILES: string[];
declare const SHELL_VERSION: string;

// The worker's own types (lib "WebWorker" cannot share a program with lib "DOM").
type ExtendableEvent = Event & { waitUntil(work: Promise<unknown>): void };
type FetchEvent = ExtendableEvent & { request: Request; respondWith(answer: Promise<Response>): void };
type PushEvent = ExtendableEvent & { data: { json(): unknown } | null };
type SubscriptionChangeEvent = ExtendableEvent & { newSubscription: PushSubscription | null; oldSubscription: PushSubscription | null };
type NotificationEvent = ExtendableEvent & { notification: Notification };
type WindowClient = { url: string; focus(): Promise<WindowClient>; postMessage(message: unknown): void };
type WorkerScope = {
  registration: { scope: string; pushManager: PushManager; showNotification(title: string, options: NotificationOptions): Promise<void> };
  clients: { claim(): Promise<void>; matchAll(options: { type: 'window'; includeUncontrolled: boolean }): Promise<WindowClient[]>; openWindow(url: string): Promise<unknown> };
  skipWaiting(): Promise<void>;
  addEventListener(type: 'install' | 'activate', listener: (event: ExtendableEvent) => void): void;
  addEventListener(type: 'fetch', listener: (event: FetchEvent) => void): void;
  addEventListener(type: 'push', listener: (event: PushEvent) => void): void;
  addEventListener(type: 'pushsubscriptionchange', listener: (event: SubscriptionChangeEvent) => void): void;
  addEventListener(type: 'notificationclick', listener: (event: NotificationEvent) => void): void;
};
const worker = self as unknown as WorkerScope;

const CACHE = `scanin-app-${SHELL_VERSION}`;
const shellUrls = () => SHELL_FILES.map((file) => new URL(file, worker.registration.scope).href);

worker.addEventListener('install', (event) => {
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(shellUrls())).then(() => worker.skipWaiting()));
});

worker.addEventListener('activate', (event) => {
  event.waitUntil((async () => {
    for (const name of await caches.keys()) if (name !== CACHE) await caches.delete(name);
    await worker.clients.claim();
  })());
});

worker.addEventListener('fetch', (event) => {
  const { request } = event;
  const url = new URL(request.url);
  url.hash = '';
  if (request.method !== 'GET' || !shellUrls().includes(url.href)) return;
  // Network first, so a new version shows at once when online; the cached shell when not.
  event.respondWith(fetch(request).catch(async () => (await caches.match(url.href, { cacheName: CACHE })) ?? Response.error()));
});

/** The words of a push (§18): its kind and its issuer's host, nothing more; an unknown kind still shows, as userVisibleOnly promises. */
function describePush(message: Record<string, unknown>): { title: string; body: string } {
  let host = '';
  try {
    host = typeof message.issuer === 'string' ? new URL(message.issuer).host : '';
  } catch {
    // Not a URL: say no host.
  }
  const at = host ? ` at ${host}` : '';
  if (message.type === 'sign_in') return { title: 'A sign-in is waiting', body: `Tap to see it and answer${at}.` };
  if (message.type === 'new_device') return { title: 'A device was added to your account', body: `If it was not you, revoke it on your account page${at}.` };
  return { title: 'Scanin', body: `Something is waiting${at}.` };
}

worker.addEventListener('push', (event) => {
  let message: Record<string, unknown> = {};
  try {
    const parsed = event.data?.json();
    if (typeof parsed === 'object' && parsed !== null) message = parsed as Record<string, unknown>;
  } catch {
    // Not JSON: a bare notification.
  }
  const { title, body } = describePush(message);
  const type = typeof message.type === 'string' ? message.type : 'other';
  event.waitUntil(worker.registration.showNotification(title, { body, tag: type, icon: new URL('icon-192.png', worker.registration.scope).href, data: { type } }));
});

// The app opens at its accounts, whose inbox poll (inbox.ts) goes straight to the waiting
// sign-in's approve screen: the push names no request, and only the signed inbox read says which.
worker.addEventListener('notificationclick', (event) => {
  event.notification.close();
  event.waitUntil((async () => {
    const home = new URL('#/', worker.registration.scope).href;
    const [open] = await worker.clients.matchAll({ type: 'window', includeUncontrolled: true });
    if (!open) return void (await worker.clients.openWindow(home));
    open.postMessage({ go: '#/' });
    await open.focus();
  })());
});

// The browser made a new subscription (or dropped it): every account that had one gets the new one.
worker.addEventListener('pushsubscriptionchange', (event) => {
  event.waitUntil((async () => {
    const key = event.oldSubscription?.options.applicationServerKey;
    const subscription = event.newSubscription ?? (key ? await worker.registration.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: key }) : null);
    if (!subscription) return;
    for (const account of await listAccounts()) {
      try {
        if ((await callPush(account, 'GET')).subscribed) await callPush(account, 'PUT', subscription.toJSON());
      } catch {
        // That server is unreachable now; the person can turn notifications on again from the account.
      }
    }
  })());
});
