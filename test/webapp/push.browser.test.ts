// Web Push in the web authenticator (protocol §18), in headless Chromium. This machine has no
// network, so Chromium's own PushManager.subscribe() cannot reach its push service (FCM): the
// page's PushManager hands out a subscription of the push service stand-in instead (the one
// thing replaced), and everything else is real — the permission granted through the browser
// context, the app's tap, its signed PUT, a real CIBA call whose push the stand-in receives and
// decrypts, the service worker's push handler driven by DevTools' ServiceWorker.deliverPushMessage
// and the notification it shows (read with getNotifications() in the worker). A headless
// notification cannot be clicked, so the click is a notificationclick dispatched in the worker.
import type { Browser, BrowserContext, CDPSession, Page, Worker } from 'playwright-core';
import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, PHONE } from '../helpers/chromium.ts';
import { TestPushService, type BrowserSubscription } from '../helpers/pushService.ts';
import { discover } from '../helpers/rp.ts';
import { startTestScanin, TEST_CLIENTS, type TestScanin } from '../helpers/scanin.ts';
import { enrollInWebApp } from '../helpers/webApp.ts';

const CIBA = 'urn:openid:params:grant-type:ciba';
const SECRET = 'push-cli-secret-that-is-long-enough-0123456789';
const EMAIL = 'pia@example.com';

let scanin: TestScanin;
let cli: oidc.Configuration;
let browser: Browser;
let phone: BrowserContext;
let app: Page;
let worker: Worker;
let cdp: CDPSession;
let registrationId = '';
const service = new TestPushService();
let subscription: BrowserSubscription;

beforeAll(async () => {
  await service.start();
  scanin = await startTestScanin({
    clients: [...TEST_CLIENTS, { client_id: 'cli-tool', client_name: 'Ops CLI', client_secret: SECRET, grant_types: [CIBA], backchannel_token_delivery_mode: 'poll' }],
    env: { NUMBER_MATCHING: 'true', ALLOW_PRIVATE_CALLBACKS: 'true' },
  });
  cli = await discover(scanin.issuer, 'cli-tool', SECRET);
  browser = await launchChromium();
  phone = await browser.newContext(PHONE);
  await phone.grantPermissions(['notifications'], { origin: scanin.issuer });
  subscription = service.subscribe();
  await phone.addInitScript((json) => {
    const fake = { toJSON: () => json, options: { applicationServerKey: null }, unsubscribe: async () => true };
    PushManager.prototype.getSubscription = async () => null;
    PushManager.prototype.subscribe = async function (this: PushManager, options?: PushSubscriptionOptionsInit) {
      (fake.options as { applicationServerKey: unknown }).applicationServerKey = options?.applicationServerKey ?? null;
      (window as unknown as { subscribedWith: unknown }).subscribedWith = options;
      return fake as unknown as PushSubscription;
    };
  }, subscription.toJSON());
  app = await phone.newPage();
  cdp = await phone.newCDPSession(app);
  cdp.on('ServiceWorker.workerRegistrationUpdated', ({ registrations }) => {
    const mine = registrations.find((r: { scopeURL: string }) => r.scopeURL === `${scanin.issuer}/app/`);
    if (mine) registrationId = mine.registrationId;
  });
  await cdp.send('ServiceWorker.enable');
});

afterAll(async () => {
  await browser?.close();
  await scanin?.close();
  await service.close();
});

describe('the web authenticator and Web Push', () => {
  it('after enrolling, a tap turns notifications on: subscribed with the VAPID key Scanin gives, registered with the signed PUT', async () => {
    await enrollInWebApp(app, scanin, EMAIL);
    await app.locator('#push-on').tap();
    await expect.poll(() => app.locator('#push-status').textContent()).toMatch(/^Notifications are on/);
    const rows = await scanin.services.db('push_subscriptions').select('endpoint', 'p256dh', 'auth');
    expect(rows).toEqual([{ endpoint: subscription.endpoint, p256dh: subscription.toJSON().keys.p256dh, auth: subscription.toJSON().keys.auth }]);
    const used = await app.evaluate(() => {
      const key = (window as unknown as { subscribedWith: { applicationServerKey: Uint8Array; userVisibleOnly: boolean } }).subscribedWith;
      return { visible: key.userVisibleOnly, key: btoa(String.fromCharCode(...key.applicationServerKey)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '') };
    });
    expect(used.visible).toBe(true);
    worker = phone.serviceWorkers()[0] ?? await phone.waitForEvent('serviceworker');
    const started = await oidc.initiateBackchannelAuthentication(cli, { scope: 'openid email', login_hint: EMAIL, binding_message: '31' });
    const pushed = await service.next(subscription);
    expect(pushed.message).toEqual({ type: 'sign_in', issuer: scanin.issuer });
    // The key subscribed with is the one Scanin signs its pushes with.
    expect(pushed.vapid.key).toBe(used.key);
    expect(started.auth_req_id).toBeTruthy();
  });

  it('the service worker shows the push as a notification naming only its kind and host, and a tap brings the app to its accounts', async () => {
    // The sign-in of the push above, opened by the inbox, is denied: nothing waits any more.
    await app.goto(`${scanin.issuer}/app/#/`);
    await app.locator('#deny').tap();
    await app.locator('#result-title').waitFor();
    const deviceId = (await scanin.services.db('devices').first('id')).id as string;
    await app.goto(`${scanin.issuer}/app/#/account/${deviceId}`);
    await app.locator('#push-on').waitFor();
    await expect.poll(() => registrationId).not.toBe('');
    await cdp.send('ServiceWorker.deliverPushMessage', { origin: scanin.issuer, registrationId, data: JSON.stringify({ type: 'sign_in', issuer: scanin.issuer }) });
    const read = () => worker.evaluate(async () => (await (self as unknown as { registration: ServiceWorkerRegistration }).registration.getNotifications()).map((n) => ({ title: n.title, body: n.body, tag: n.tag })));
    await expect.poll(read).toEqual([{ title: 'A sign-in is waiting', body: `Tap to see it and answer at ${new URL(scanin.issuer).host}.`, tag: 'sign_in' }]);
    await worker.evaluate(async () => {
      const [notification] = await (self as unknown as { registration: ServiceWorkerRegistration }).registration.getNotifications();
      const Click = (self as unknown as { NotificationEvent: new (type: string, init: { notification: Notification }) => Event }).NotificationEvent;
      try {
        self.dispatchEvent(new Click('notificationclick', { notification: notification! }));
      } catch {
        // waitUntil refuses an untrusted event; the handler's work has started regardless.
      }
    });
    // The open app came back to its accounts, where the inbox read opens a waiting sign-in.
    await expect.poll(() => new URL(app.url()).hash).toBe('#/');
    await expect.poll(read).toEqual([]);
  });

  it('a new_device push and one that is not JSON show their own words, nothing from the payload but the host', async () => {
    const host = new URL(scanin.issuer).host;
    await cdp.send('ServiceWorker.deliverPushMessage', { origin: scanin.issuer, registrationId, data: JSON.stringify({ type: 'new_device', issuer: scanin.issuer, name: 'secret' }) });
    await cdp.send('ServiceWorker.deliverPushMessage', { origin: scanin.issuer, registrationId, data: 'not json <b>' });
    const read = () => worker.evaluate(async () => (await (self as unknown as { registration: ServiceWorkerRegistration }).registration.getNotifications()).map((n) => `${n.tag}|${n.title}|${n.body}`).sort());
    await expect.poll(read).toEqual([
      `new_device|A device was added to your account|If it was not you, revoke it on your account page at ${host}.`,
      'other|Scanin|Something is waiting.',
    ]);
  });

  it('removing the account from the app drops its subscription at Scanin', async () => {
    await app.goto(`${scanin.issuer}/app/#/`);
    await app.locator('.account').first().click();
    await app.locator('#remove').tap();
    await app.locator('#remove-yes').tap();
    await expect.poll(() => app.url()).toMatch(/#\/$/);
    expect(await scanin.services.db('push_subscriptions').select()).toEqual([]);
  });
});
