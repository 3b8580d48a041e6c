// Web Push (protocol §18): a device subscribes with a signed call; a CIBA sign-in and a new
// device on the account send its phones a push that a push service stand-in receives with a
// valid VAPID signature and decrypts (RFC 8291) to a message naming nothing private; a
// subscription the push service calls gone is removed, and so is a revoked device's. And the
// refusals: unsigned, replayed, another device's key, endpoints that would aim Scanin inside
// the network, malformed keys.
import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requestAuthorization } from '../../src/authenticator/assertion.ts';
import { revokeDeviceEverywhere } from '../../src/accounts/cutOff.ts';
import { startAddDevice } from '../../src/enrollment/addDevice.ts';
import { findPushSubscription } from '../../src/store/pushSubscriptions.ts';
import { call, enrollDevice, enrollmentAssertion, enrollmentPath, postAssertion, startDeviceTestScanin, type DeviceTestScanin, type EnrollmentView, type TestDevice } from '../helpers/device.ts';
import { generateDeviceKey } from '../../src/authenticator/keys.ts';
import { BrowserSubscription, TestPushService } from '../helpers/pushService.ts';
import { startTestScanin } from '../helpers/scanin.ts';

const PUSH = '/device/v1/push';
const CIBA_SECRET = 'a-ciba-client-secret-that-is-long-enough-0123';
const CLIENTS = [{ client_id: 'cli-tool', client_name: 'Ops CLI', client_secret: CIBA_SECRET, grant_types: ['urn:openid:params:grant-type:ciba'], backchannel_token_delivery_mode: 'poll' }];

describe('Web Push to devices', () => {
  const service = new TestPushService();
  let scanin: DeviceTestScanin;

  const signed = (device: TestDevice, method: 'GET' | 'PUT' | 'DELETE', body = '', authorization?: string) =>
    call(scanin, method, PUSH, body ? { raw: body } : undefined, {
      authorization: authorization ?? requestAuthorization(device.key, { issuer: scanin.issuer, act: 'push', method, url: `${scanin.issuer}${PUSH}`, body: Buffer.from(body), iat: scanin.services.clock() }),
    });
  const subscribe = async (device: TestDevice, subscription: BrowserSubscription | Record<string, unknown>) => signed(device, 'PUT', JSON.stringify(subscription));

  beforeAll(async () => {
    await service.start();
    scanin = await startDeviceTestScanin({ ALLOW_PRIVATE_CALLBACKS: 'true' });
  });
  afterAll(async () => {
    await scanin?.close();
    await service.close();
  });

  it('a device subscribes, reads its state and unsubscribes, each call signed; the VAPID key is kept across calls', async () => {
    const phone = await enrollDevice(scanin, 'ana@example.com', 'EdDSA');
    const before = await signed(phone, 'GET');
    expect(before.status, before.text).toBe(200);
    expect(before.body).toMatchObject({ subscribed: false });
    const key = before.body.vapid_public_key as string;
    expect(Buffer.from(key, 'base64url')).toHaveLength(65);
    const subscription = service.subscribe();
    expect((await subscribe(phone, subscription)).body).toEqual({ vapid_public_key: key, subscribed: true });
    expect((await signed(phone, 'GET')).body).toMatchObject({ subscribed: true });
    expect(await findPushSubscription(scanin.services.db, phone.id)).toMatchObject({ endpoint: subscription.endpoint });
    expect((await signed(phone, 'DELETE')).body).toMatchObject({ subscribed: false });
    expect(await findPushSubscription(scanin.services.db, phone.id)).toBeUndefined();
  });

  it('refuses an unsigned or replayed call, another act, and subscriptions that are not a public https push service or carry bad keys', async () => {
    const phone = await enrollDevice(scanin, 'bo@example.com');
    expect((await call(scanin, 'GET', PUSH)).status).toBe(401);
    const body = JSON.stringify(service.subscribe());
    const authorization = requestAuthorization(phone.key, { issuer: scanin.issuer, act: 'push', method: 'PUT', url: `${scanin.issuer}${PUSH}`, body: Buffer.from(body), iat: scanin.services.clock() });
    expect((await signed(phone, 'PUT', body, authorization)).status).toBe(200);
    expect((await signed(phone, 'PUT', body, authorization)).status).toBe(401);
    const vault = requestAuthorization(phone.key, { issuer: scanin.issuer, act: 'vault', method: 'GET', url: `${scanin.issuer}${PUSH}`, body: Buffer.alloc(0), iat: scanin.services.clock() });
    expect((await signed(phone, 'GET', '', vault)).status).toBe(401);

    const good = service.subscribe().toJSON();
    for (const [why, bad] of [
      ['no endpoint', { ...good, endpoint: undefined }],
      ['not a URL', { ...good, endpoint: 'push service' }],
      ['ftp', { ...good, endpoint: 'ftp://push.example.com/x' }],
      ['long', { ...good, endpoint: `https://push.example.com/${'x'.repeat(1024)}` }],
      ['short p256dh', { ...good, keys: { ...good.keys, p256dh: good.keys.p256dh.slice(0, 40) } }],
      ['not on the curve', { ...good, keys: { ...good.keys, p256dh: Buffer.concat([Buffer.from([4]), Buffer.alloc(64, 1)]).toString('base64url') } }],
      ['auth of 8 bytes', { ...good, keys: { ...good.keys, auth: 'AAAAAAAAAAA' } }],
      ['no keys', { endpoint: good.endpoint }],
    ] as const) {
      const answer = await subscribe(phone, bad);
      expect(answer.status, why).toBe(400);
      expect(answer.body.error, why).toBe('invalid_request');
    }
  });

  it('a CIBA sign-in pushes the account\'s subscribed phones a message naming only its kind and issuer, VAPID-signed', async () => {
    const local = await startTestScanin({ clients: CLIENTS, env: { ALLOW_PRIVATE_CALLBACKS: 'true', NUMBER_MATCHING: 'false' } });
    try {
      const [phone, tablet] = [await enrollDevice(local, 'cy@example.com'), await enrollDevice(local, 'cy@example.com')];
      const [phoneSub, tabletSub] = [service.subscribe(), service.subscribe()];
      const sign = (device: TestDevice, body: string): string => requestAuthorization(device.key, { issuer: local.issuer, act: 'push', method: 'PUT', url: `${local.issuer}${PUSH}`, body: Buffer.from(body), iat: local.services.clock() });
      for (const [device, sub] of [[phone, phoneSub], [tablet, tabletSub]] as const) {
        const body = JSON.stringify(sub);
        expect((await call(local, 'PUT', PUSH, { raw: body }, { authorization: sign(device, body) })).status).toBe(200);
      }
      const config = await oidc.discovery(new URL(local.issuer), 'cli-tool', CIBA_SECRET, undefined, { execute: [oidc.allowInsecureRequests] });
      await oidc.initiateBackchannelAuthentication(config, { scope: 'openid email', login_hint: 'cy@example.com', binding_message: 'Desk-7' });
      for (const sub of [phoneSub, tabletSub]) {
        const got = await service.next(sub);
        expect(got.message).toEqual({ type: 'sign_in', issuer: local.issuer });
        expect(got.headers['content-encoding']).toBe('aes128gcm');
        expect(got.headers.urgency).toBe('high');
        expect(Number(got.headers.ttl)).toBeGreaterThan(0);
        expect(got.vapid).toMatchObject({ aud: service.origin, sub: 'mailto:scanin@localhost.localdomain' });
      }
    } finally {
      await local.close();
    }

  });

  it('a new device pushes the account\'s other phones; a gone subscription (410) is removed; revoking a device removes its subscription', async () => {
    const phone = await enrollDevice(scanin, 'dee@example.com');
    const subscription = service.subscribe();
    expect((await subscribe(phone, subscription)).status).toBe(200);
    const added = await startAddDevice(scanin.services, phone.accountId, '198.51.100.9');
    const view = await call(scanin, 'GET', enrollmentPath(added.eid));
    const key = generateDeviceKey('EdDSA');
    expect((await postAssertion(scanin, enrollmentPath(added.eid), enrollmentAssertion(scanin, key, view.body as EnrollmentView))).status).toBe(201);
    expect((await service.next(subscription)).message).toEqual({ type: 'new_device', issuer: scanin.issuer });

    service.status = 410;
    try {
      const again = await startAddDevice(scanin.services, phone.accountId, '198.51.100.9');
      const view2 = await call(scanin, 'GET', enrollmentPath(again.eid));
      expect((await postAssertion(scanin, enrollmentPath(again.eid), enrollmentAssertion(scanin, generateDeviceKey('EdDSA'), view2.body as EnrollmentView))).status).toBe(201);
      await service.next(subscription, 1);
      while (await findPushSubscription(scanin.services.db, phone.id)) await new Promise((resolve) => setTimeout(resolve, 20));
    } finally {
      service.status = 201;
    }

    expect((await subscribe(phone, service.subscribe())).status).toBe(200);
    expect(await revokeDeviceEverywhere(scanin.services.db, scanin.services.clock, phone.id)).toBe(true);
    expect(await findPushSubscription(scanin.services.db, phone.id)).toBeUndefined();
  });
});

describe('push endpoints without ALLOW_PRIVATE_CALLBACKS', () => {
  let scanin: DeviceTestScanin;
  beforeAll(async () => {
    scanin = await startDeviceTestScanin();
  });
  afterAll(async () => {
    await scanin?.close();
  });

  it('must be https on a public host name: no http, no address, no local name', async () => {
    const phone = await enrollDevice(scanin, 'eve@example.com');
    const keys = new BrowserSubscription('https://push.example.com/x');
    const put = (endpoint: string) => {
      const body = JSON.stringify({ ...keys.toJSON(), endpoint });
      return call(scanin, 'PUT', PUSH, { raw: body }, { authorization: requestAuthorization(phone.key, { issuer: scanin.issuer, act: 'push', method: 'PUT', url: `${scanin.issuer}${PUSH}`, body: Buffer.from(body), iat: scanin.services.clock() }) });
    };
    for (const endpoint of ['http://push.example.com/x', 'https://127.0.0.1/x', 'https://[::1]/x', 'https://10.0.0.8/x', 'https://localhost/x', 'https://push.localhost/x', 'https://intranet/x']) {
      const answer = await put(endpoint);
      expect(answer.status, endpoint).toBe(400);
    }
    expect((await put('https://fcm.googleapis.com/fcm/send/abc')).status).toBe(200);
  });
});
