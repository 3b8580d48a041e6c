// CIBA: an app with no screen for a QR code names the person by email; the request reaches the
// person's phone through the device inbox (a long poll signed by the device), the reference
// authenticator answers it, and the app gets its tokens by polling or after a ping.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { Agent, request, setGlobalDispatcher } from 'undici';
import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requestAuthorization } from '../../src/authenticator/assertion.ts';
import type { Authenticator, InboxEntry } from '../../src/authenticator/authenticator.ts';
import { DeviceApiError } from '../../src/authenticator/authenticator.ts';
import { listAudit } from '../../src/audit/audit.ts';
import { ACR_DEVICE, ACR_DEVICE_VERIFIED } from '../../src/oidc/authContext.ts';
import { findLoginRequest } from '../../src/store/loginRequests.ts';
import { enrollDevice } from '../helpers/device.ts';
import { enrolledPhone } from '../helpers/login.ts';
import { discover } from '../helpers/rp.ts';
import { startTestScanin, testDir, type TestScanin } from '../helpers/scanin.ts';

const CIBA = 'urn:openid:params:grant-type:ciba';
const POLL_SECRET = 'cli-tool-secret-that-is-long-enough-012345678';
const PING_SECRET = 'kiosk-secret-that-is-long-enough-0123456789a';

/** A self-signed certificate for 127.0.0.1: CIBA requires an https notification endpoint. */
function loopbackCertificate(): { key: string; cert: string } {
  const dir = testDir();
  const [key, cert] = [join(dir, 'key.pem'), join(dir, 'cert.pem')];
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', key, '-out', cert], { stdio: 'ignore' });
  return { key: readFileSync(key, 'utf8'), cert: readFileSync(cert, 'utf8') };
}

const tls = loopbackCertificate();
// Scanin's outgoing calls (the ping) trust the test's certificate, as a deployment trusts its CA.
setGlobalDispatcher(new Agent({ connect: { ca: tls.cert } }));

/** The ping app's client notification endpoint: records each ping. */
class PingReceiver {
  readonly pings: Array<{ authorization: string | undefined; body: Record<string, unknown> }> = [];
  private waiting: (() => void) | undefined;
  private readonly server: Server = createServer(tls, (req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      this.pings.push({ authorization: req.headers.authorization, body: JSON.parse(body) as Record<string, unknown> });
      res.writeHead(204).end();
      this.waiting?.();
    });
  });
  url = '';

  async start(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `https://127.0.0.1:${(this.server.address() as AddressInfo).port}/ciba-ping`;
  }

  /** Resolves once a ping has arrived (at once if one already has). */
  next(): Promise<void> {
    return this.pings.length ? Promise.resolve() : new Promise((resolve) => (this.waiting = resolve));
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

function clients(receiver: PingReceiver) {
  return [
    { client_id: 'cli-tool', client_name: 'Ops CLI', client_secret: POLL_SECRET, grant_types: [CIBA], backchannel_token_delivery_mode: 'poll' },
    {
      client_id: 'kiosk', client_name: 'Front Desk Kiosk', client_secret: PING_SECRET, grant_types: [CIBA],
      backchannel_token_delivery_mode: 'ping', backchannel_client_notification_endpoint: receiver.url,
    },
  ];
}

describe.each([false, true])('CIBA with number matching %s', (numberMatching) => {
  const receiver = new PingReceiver();
  let scanin: TestScanin;
  let phone: Authenticator;
  let cli: oidc.Configuration;
  let kiosk: oidc.Configuration;
  const binding = numberMatching ? '64' : 'Desk-7';

  beforeAll(async () => {
    await receiver.start();
    scanin = await startTestScanin({ clients: clients(receiver), env: { NUMBER_MATCHING: String(numberMatching), ALLOW_PRIVATE_CALLBACKS: 'true' } });
    phone = await enrolledPhone(scanin, 'fay@example.com', 'fay.json');
    [cli, kiosk] = await Promise.all([discover(scanin.issuer, 'cli-tool', POLL_SECRET), discover(scanin.issuer, 'kiosk', PING_SECRET)]);
  });
  afterAll(async () => {
    await scanin?.close();
    await receiver.close();
  });

  /** The phone, waiting in its inbox, takes the first entry and answers it. */
  async function answerFromInbox(inbox: Promise<InboxEntry[]>, decision: 'approve' | 'deny', userVerified = false) {
    const [entry] = await inbox;
    expect(entry).toMatchObject({ client: { name: expect.any(String) }, binding_message: binding });
    const request = await phone.fetchLoginRequest(entry!.url);
    expect(request).toMatchObject({ kind: 'backchannel', binding_message: binding });
    expect(request.browser).toBeUndefined();
    if (numberMatching) expect(request.number_choices).toContain(binding);
    return phone.answerRequest(request, decision, { ...(numberMatching && decision === 'approve' ? { number: binding } : {}), userVerified });
  }

  it('a request lives 600 s from when the app asked, whatever requested_expiry says (protocol §10)', async () => {
    for (const extra of [{}, { requested_expiry: '60' }, { requested_expiry: '3600' }] as Array<Record<string, string>>) {
      const inbox = phone.inbox(scanin.issuer, { wait: 30 });
      const started = await oidc.initiateBackchannelAuthentication(cli, { scope: 'openid', login_hint: 'fay@example.com', binding_message: binding, ...extra });
      expect(started.expires_in, JSON.stringify(extra)).toBe(600);
      const [entry] = await inbox;
      const stored = (await findLoginRequest(scanin.services.db, entry!.rid))!;
      expect(stored.expires_at - stored.created_at, JSON.stringify(extra)).toBe(600);
      expect(entry!.expires_at).toBe(stored.expires_at);
      await phone.answerRequest(await phone.fetchLoginRequest(entry!.url), 'deny', numberMatching ? { number: binding } : {});
    }
  });

  it('poll: the phone waiting in its inbox gets the request and approves it; the app polls its tokens', async () => {
    const inbox = phone.inbox(scanin.issuer, { wait: 30 });
    const started = await oidc.initiateBackchannelAuthentication(cli, { scope: 'openid email', login_hint: 'fay@example.com', binding_message: binding });
    expect(started.auth_req_id).toBeTruthy();

    await expect(oidc.genericGrantRequest(cli, CIBA, { auth_req_id: started.auth_req_id })).rejects.toMatchObject({ error: 'authorization_pending' });
    expect((await answerFromInbox(inbox, 'approve')).status).toBe('approved');

    const tokens = await oidc.genericGrantRequest(cli, CIBA, { auth_req_id: started.auth_req_id });
    const claims = tokens.claims()!;
    expect(claims).toMatchObject({ email: 'fay@example.com', aud: 'cli-tool', acr: ACR_DEVICE, amr: ['pop'] });
    // The request is answered: the inbox is empty and the tokens come once.
    expect(await phone.inbox(scanin.issuer)).toEqual([]);
    await expect(oidc.genericGrantRequest(cli, CIBA, { auth_req_id: started.auth_req_id })).rejects.toMatchObject({ error: 'invalid_grant' });
  });

  it('ping: the app is told when the phone approved (with verification), then fetches its tokens', async () => {
    receiver.pings.length = 0;
    const started = await oidc.initiateBackchannelAuthentication(kiosk, {
      scope: 'openid profile', login_hint: 'FAY@example.com', binding_message: binding, client_notification_token: 'kiosk-notify-token-1',
    });
    await answerFromInbox(phone.inbox(scanin.issuer, { wait: 30 }), 'approve', true);
    await receiver.next();
    expect(receiver.pings).toEqual([{ authorization: 'Bearer kiosk-notify-token-1', body: { auth_req_id: started.auth_req_id } }]);
    const tokens = await oidc.genericGrantRequest(kiosk, CIBA, { auth_req_id: started.auth_req_id });
    expect(tokens.claims()).toMatchObject({ name: 'Test Person', acr: ACR_DEVICE_VERIFIED, amr: ['pop', 'mfa'] });
  });

  it('a denial on the phone reaches the app as access_denied', async () => {
    const started = await oidc.initiateBackchannelAuthentication(cli, { scope: 'openid', login_hint: 'fay@example.com', binding_message: binding });
    expect((await answerFromInbox(phone.inbox(scanin.issuer), 'deny')).status).toBe('denied');
    await expect(oidc.genericGrantRequest(cli, CIBA, { auth_req_id: started.auth_req_id })).rejects.toMatchObject({ error: 'access_denied' });
    const audit = await listAudit(scanin.services.db, { accountId: (await phone.list())[0]!.sub });
    expect(audit.map((entry) => [entry.event, entry.client_id, entry.detail?.kind])).toEqual(expect.arrayContaining([
      ['login.approved', 'cli-tool', 'backchannel'], ['login.approved', 'kiosk', 'backchannel'], ['login.denied', 'cli-tool', 'backchannel'],
    ]));
  });

  it('refuses a login_hint that names nobody, or a person without a device, as unknown_user_id', async () => {
    await expect(oidc.initiateBackchannelAuthentication(cli, { scope: 'openid', login_hint: 'nobody@example.com', binding_message: binding })).rejects.toMatchObject({ error: 'unknown_user_id' });
    await expect(oidc.initiateBackchannelAuthentication(cli, { scope: 'openid', login_hint: 'not an email', binding_message: binding })).rejects.toMatchObject({ error: 'unknown_user_id' });
  });

  it('keeps another account out: its inbox is empty and its device cannot answer', async () => {
    const stranger = await enrollDevice(scanin, `stranger-${numberMatching}@example.com`);
    const started = await oidc.initiateBackchannelAuthentication(cli, { scope: 'openid', login_hint: 'fay@example.com', binding_message: binding });
    const url = `${scanin.issuer}/device/v1/inbox`;
    const asStranger = await request(url, { headers: { authorization: requestAuthorization(stranger.key, { issuer: scanin.issuer, act: 'inbox', method: 'GET', url, body: new Uint8Array(), iat: scanin.services.clock() }) } });
    expect(await asStranger.body.json()).toEqual({ requests: [] });

    const [entry] = await phone.inbox(scanin.issuer);
    // The entry names its account in plain: the account of the key that polled, no other.
    expect(entry!.sub).toBe((await phone.list())[0]!.sub);
    const row = (await findLoginRequest(scanin.services.db, entry!.rid))!;
    expect(row.uid).toBe(started.auth_req_id);
    const { answerLogin, loginAssertion } = await import('../helpers/device.ts');
    const refused = await answerLogin(scanin, entry!.rid, loginAssertion(scanin, stranger, { rid: entry!.rid, challenge: row.challenge }, { num: binding }));
    expect(refused.status).toBe(403);
    expect((await findLoginRequest(scanin.services.db, entry!.rid))!.status).toBe('pending');
    await answerFromInbox(phone.inbox(scanin.issuer), 'deny');
  });

  it('authenticates the inbox: no header, a vault assertion, a replayed one, a bad wait', async () => {
    const url = `${scanin.issuer}/device/v1/inbox`;
    const bare = await request(url);
    expect(bare.statusCode).toBe(401);
    expect(await bare.body.json()).toMatchObject({ error: 'invalid_assertion' });

    const device = await enrollDevice(scanin, `inbox-${numberMatching}@example.com`);
    const sign = (act: string, target = url) => requestAuthorization(device.key, { issuer: scanin.issuer, act, method: 'GET', url: target, body: new Uint8Array(), iat: scanin.services.clock() });
    const wrongAct = await request(url, { headers: { authorization: sign('vault') } });
    expect(wrongAct.statusCode).toBe(401);
    await wrongAct.body.dump();

    const once = sign('inbox');
    expect((await request(url, { headers: { authorization: once } })).statusCode).toBe(200);
    const replay = await request(url, { headers: { authorization: once } });
    expect(replay.statusCode).toBe(401);
    await replay.body.dump();

    for (const wait of ['31', '-1', 'soon']) {
      const target = `${url}?wait=${wait}`;
      const bad = await request(target, { headers: { authorization: sign('inbox', target) } });
      expect(bad.statusCode, wait).toBe(400);
      expect(await bad.body.json()).toMatchObject({ error: 'invalid_request' });
    }
  });

  it.runIf(numberMatching)('requires the two-digit number as binding_message, and a wrong pick on the phone denies', async () => {
    await expect(oidc.initiateBackchannelAuthentication(cli, { scope: 'openid', login_hint: 'fay@example.com' })).rejects.toMatchObject({ error: 'invalid_binding_message' });
    await expect(oidc.initiateBackchannelAuthentication(cli, { scope: 'openid', login_hint: 'fay@example.com', binding_message: 'Desk-7' })).rejects.toMatchObject({ error: 'invalid_binding_message' });

    const started = await oidc.initiateBackchannelAuthentication(cli, { scope: 'openid', login_hint: 'fay@example.com', binding_message: binding });
    const [entry] = await phone.inbox(scanin.issuer);
    const request_ = await phone.fetchLoginRequest(entry!.url);
    const wrong = request_.number_choices!.find((choice) => choice !== binding)!;
    await expect(phone.answerRequest(request_, 'approve', { number: wrong })).rejects.toBeInstanceOf(DeviceApiError);
    await expect(oidc.genericGrantRequest(cli, CIBA, { auth_req_id: started.auth_req_id })).rejects.toMatchObject({ error: 'access_denied' });
  });
});
