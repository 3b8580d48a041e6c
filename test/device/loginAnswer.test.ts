// POST /device/v1/requests/:rid — a phone answers a login request, once. Approve and deny reach
// the waiting browser; any later answer, replayed or fresh, and any number of concurrent ones,
// get 409 already_answered and leave the first answer standing.
import { describe, expect, it } from 'vitest';
import { findDevice } from '../../src/store/devices.ts';
import { findLoginRequest } from '../../src/store/loginRequests.ts';
import { signAssertion, deviceHeader } from '../../src/authenticator/assertion.ts';
import {
  answerLogin,
  call,
  enrollDevice,
  expectError,
  expectStillApprovable,
  loginAssertion,
  loginPayload,
  requestPath,
  useScaninWithPhone,
  waitingLogin, signedRead } from '../helpers/device.ts';
import { generateDeviceKey } from '../../src/authenticator/keys.ts';
import { PUBLIC_CLIENT, RP_REDIRECT } from '../helpers/scanin.ts';

const world = useScaninWithPhone();

describe('GET /device/v1/requests/:rid — the world.phone reads who is asking', () => {
  it('a signed read answers rid, act, challenge, issuer, client, browser (with its place), proximity, created_at and expires_at, and no number_choices without number matching', async () => {
    const login = await waitingLogin(world.scanin, { scanned: false });
    const row = (await findLoginRequest(world.scanin.services.db, login.rid))!;
    const answer = await signedRead(world.scanin, login.rid, world.phone);
    expect(answer.status, answer.text).toBe(200);
    expect(answer.body).toEqual({
      rid: login.rid,
      act: 'login',
      challenge: row.challenge,
      issuer: world.scanin.issuer,
      client: { client_id: PUBLIC_CLIENT, name: 'Test App' },
      browser: { ip: '127.0.0.1', place: 'Local network', user_agent: login.browser.userAgent },
      proximity: { browser_ip: '127.0.0.1', device_ip: '127.0.0.1', same_network: true },
      created_at: row.created_at,
      expires_at: row.expires_at,
    });
    login.events.close();
  });

  it('an unsigned read (a passer-by with the QR code) gets only the app and the expiry, and changes nothing', async () => {
    const login = await waitingLogin(world.scanin, { scanned: false });
    const row = (await findLoginRequest(world.scanin.services.db, login.rid))!;
    const answer = await call(world.scanin, 'GET', requestPath(login.rid));
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({ rid: login.rid, act: 'login', issuer: world.scanin.issuer, client: { client_id: PUBLIC_CLIENT, name: 'Test App' }, expires_at: row.expires_at });
    expect((await findLoginRequest(world.scanin.services.db, login.rid))!.status).toBe('pending');
    expect(login.published).toEqual([]);
    login.events.close();
  });

  it('a read signed with a key other than the named device\'s is refused and changes nothing', async () => {
    const login = await waitingLogin(world.scanin, { scanned: false });
    const stranger = { ...world.phone, key: generateDeviceKey('ES256') };
    stranger.key = { ...stranger.key, deviceId: world.phone.key.deviceId };
    expectError(await signedRead(world.scanin, login.rid, stranger), 401, 'invalid_assertion');
    expect((await findLoginRequest(world.scanin.services.db, login.rid))!.status).toBe('pending');
    expect(login.published).toEqual([]);
    login.events.close();
  });

  it('the first signed read marks the request scanned and tells the browser once, without the number', async () => {
    const login = await waitingLogin(world.scanin, { scanned: false });
    expect((await signedRead(world.scanin, login.rid, world.phone)).status).toBe(200);
    expect(await login.events.next()).toEqual({ type: 'scanned', data: {} });
    expect((await findLoginRequest(world.scanin.services.db, login.rid))!.status).toBe('scanned');

    expect((await signedRead(world.scanin, login.rid, world.phone)).status).toBe(200);
    expect(login.published).toEqual([{ type: 'scanned', data: {} }]);
    login.events.close();
  });

  it('an answered request gets 409 already_answered, approved and denied alike', async () => {
    for (const decision of ['approve', 'deny']) {
      const login = await waitingLogin(world.scanin);
      expect((await answerLogin(world.scanin, login.rid, loginAssertion(world.scanin, world.phone, login, { decision }))).status).toBe(200);
      expectError(await call(world.scanin, 'GET', requestPath(login.rid)), 409, 'already_answered');
      login.events.close();
    }
  });
});

describe('POST /device/v1/requests/:rid — approve and deny', () => {
  it('approve answers 200 {"status":"approved"}, records the device and its account, and the browser gets approved', async () => {
    const login = await waitingLogin(world.scanin);
    const before = world.scanin.services.clock();
    const answer = await answerLogin(world.scanin, login.rid, loginAssertion(world.scanin, world.phone, login));
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({ status: 'approved' });

    const row = (await findLoginRequest(world.scanin.services.db, login.rid))!;
    expect(row).toMatchObject({ status: 'approved', device_id: world.phone.id, account_id: world.phone.accountId });
    expect(row.answered_at).toBeGreaterThanOrEqual(before);
    expect((await findDevice(world.scanin.services.db, world.phone.id))!.last_used_at).toBeGreaterThanOrEqual(before);
    expect(await login.events.next()).toEqual({ type: 'approved', data: { complete_url: `/interaction/${login.uid}/complete`, account: expect.any(String) } });
  });

  it('approving a request the world.phone has not fetched (still pending) works too', async () => {
    const login = await waitingLogin(world.scanin, { scanned: false });
    await expectStillApprovable(world.scanin, login, world.phone, 'pending');
  });

  it('deny answers 200 {"status":"denied"}, records no account, and the browser gets denied', async () => {
    const login = await waitingLogin(world.scanin);
    const answer = await answerLogin(world.scanin, login.rid, loginAssertion(world.scanin, world.phone, login, { decision: 'deny' }));
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({ status: 'denied' });
    expect(await findLoginRequest(world.scanin.services.db, login.rid)).toMatchObject({ status: 'denied', device_id: world.phone.id, account_id: null });
    expect(await login.events.next()).toEqual({ type: 'denied', data: {} });
  });

  it('after a deny, /interaction/:uid/complete sends the browser back to the app with error=access_denied and no code', async () => {
    const login = await waitingLogin(world.scanin);
    expect((await answerLogin(world.scanin, login.rid, loginAssertion(world.scanin, world.phone, login, { decision: 'deny' }))).status).toBe(200);
    login.events.close();

    const { leftTo } = await login.browser.follow(`${login.interactionUrl}/complete`, world.scanin.issuer);
    expect(leftTo).toBeDefined();
    const callback = new URL(leftTo!);
    expect(`${callback.origin}${callback.pathname}`).toBe(RP_REDIRECT);
    expect(callback.searchParams.get('error')).toBe('access_denied');
    expect(callback.searchParams.get('state')).toBe(login.auth.state);
    expect(callback.searchParams.has('code')).toBe(false);
  });

  it.each([
    { rule: 'a decision other than approve or deny ("maybe")', decision: 'maybe' },
    { rule: 'a decision in the wrong case ("APPROVE")', decision: 'APPROVE' },
    { rule: 'a decision that is not a string (true)', decision: true },
    { rule: 'no decision at all', decision: undefined },
  ])('$rule gets 400 invalid_request and changes nothing', async ({ decision }) => {
    const login = await waitingLogin(world.scanin);
    expectError(await answerLogin(world.scanin, login.rid, loginAssertion(world.scanin, world.phone, login, { decision })), 400, 'invalid_request');
    await expectStillApprovable(world.scanin, login, world.phone);
  });
});

describe('POST /device/v1/requests/:rid — a request is answered once', () => {
  it('the same assertion posted twice (a replay) gets 409 already_answered the second time', async () => {
    const login = await waitingLogin(world.scanin);
    const assertion = loginAssertion(world.scanin, world.phone, login);
    expect((await answerLogin(world.scanin, login.rid, assertion)).status).toBe(200);
    const answeredAt = (await findLoginRequest(world.scanin.services.db, login.rid))!.answered_at;

    expectError(await answerLogin(world.scanin, login.rid, assertion), 409, 'already_answered');
    expect(await findLoginRequest(world.scanin.services.db, login.rid)).toMatchObject({ status: 'approved', answered_at: answeredAt });
    expect(login.published.map((event) => event.type)).toEqual(['approved']);
    login.events.close();
  });

  it('a second answer with a fresh assertion gets 409 already_answered: a deny cannot overturn an approval', async () => {
    const login = await waitingLogin(world.scanin);
    expect((await answerLogin(world.scanin, login.rid, loginAssertion(world.scanin, world.phone, login))).status).toBe(200);
    expectError(await answerLogin(world.scanin, login.rid, loginAssertion(world.scanin, world.phone, login, { decision: 'deny' })), 409, 'already_answered');
    expect(await findLoginRequest(world.scanin.services.db, login.rid)).toMatchObject({ status: 'approved', account_id: world.phone.accountId });
    expect(login.published.map((event) => event.type)).toEqual(['approved']);
    login.events.close();
  });

  it('a second answer with a fresh assertion gets 409 already_answered: an approval cannot overturn a deny', async () => {
    const login = await waitingLogin(world.scanin);
    expect((await answerLogin(world.scanin, login.rid, loginAssertion(world.scanin, world.phone, login, { decision: 'deny' }))).status).toBe(200);
    expectError(await answerLogin(world.scanin, login.rid, loginAssertion(world.scanin, world.phone, login)), 409, 'already_answered');
    expect(await findLoginRequest(world.scanin.services.db, login.rid)).toMatchObject({ status: 'denied', account_id: null });
    expect(login.published.map((event) => event.type)).toEqual(['denied']);
    login.events.close();
  });

  it('another enrolled device cannot answer after the first: 409 already_answered', async () => {
    const other = await enrollDevice(world.scanin, 'mallory@example.com');
    const login = await waitingLogin(world.scanin);
    expect((await answerLogin(world.scanin, login.rid, loginAssertion(world.scanin, world.phone, login))).status).toBe(200);
    expectError(await answerLogin(world.scanin, login.rid, loginAssertion(world.scanin, other, login)), 409, 'already_answered');
    expect(await findLoginRequest(world.scanin.services.db, login.rid)).toMatchObject({ status: 'approved', device_id: world.phone.id, account_id: world.phone.accountId });
    login.events.close();
  });

  it('of 100 concurrent approvals from the same device exactly one gets 200; the other 99 get 409 already_answered', async () => {
    const login = await waitingLogin(world.scanin);
    // 100 distinct valid assertions: the same claims, each with its own jti.
    const assertions = Array.from({ length: 100 }, (_, jti) => signAssertion(world.phone.key, deviceHeader(world.phone.key), loginPayload(world.scanin, login, { jti })));
    expect(new Set(assertions).size).toBe(100);

    const answers = await Promise.all(assertions.map((assertion) => answerLogin(world.scanin, login.rid, assertion)));
    const winners = answers.filter((answer) => answer.status === 200);
    const losers = answers.filter((answer) => answer.status !== 200);
    expect(winners.map((answer) => answer.body)).toEqual([{ status: 'approved' }]);
    expect(losers).toHaveLength(99);
    for (const loser of losers) expectError(loser, 409, 'already_answered');

    expect(await findLoginRequest(world.scanin.services.db, login.rid)).toMatchObject({ status: 'approved', device_id: world.phone.id, account_id: world.phone.accountId });
    expect(login.published).toEqual([{ type: 'approved', data: { complete_url: `/interaction/${login.uid}/complete`, account: expect.any(String) } }]);
    expect((await login.events.next()).type).toBe('approved');
    login.events.close();
  });

  it('of concurrent approve and deny answers exactly one wins, and the row holds the winner', async () => {
    const login = await waitingLogin(world.scanin);
    const decisions = Array.from({ length: 20 }, (_, i) => (i % 2 ? 'approve' : 'deny'));
    const answers = await Promise.all(decisions.map((decision) => answerLogin(world.scanin, login.rid, loginAssertion(world.scanin, world.phone, login, { decision }))));
    const winners = answers.filter((answer) => answer.status === 200);
    expect(winners).toHaveLength(1);
    for (const loser of answers.filter((answer) => answer.status !== 200)) expectError(loser, 409, 'already_answered');
    const status = winners[0]!.body.status as string;
    expect((await findLoginRequest(world.scanin.services.db, login.rid))!.status).toBe(status);
    expect(login.published.map((event) => event.type)).toEqual([status]);
    login.events.close();
  });
});
