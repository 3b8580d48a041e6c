// A login request never outlives the browser's sign-in it belongs to: cancelling the sign-in
// closes it, its expires_at is never later than the interaction's end, and once the interaction
// is over a device is told `sign_in_ended` (410), not invited to scan a new code.
import { afterEach, describe, expect, it } from 'vitest';
import { findLoginRequest } from '../../src/store/loginRequests.ts';
import {
  answerLogin,
  call,
  expectError,
  expectStillApprovable,
  loginAssertion,
  requestPath,
  useScaninWithPhone,
  waitingLogin,
} from '../helpers/device.ts';

describe('the page\'s Cancel (/interaction/{uid}/abort) closes the open request', () => {
  const world = useScaninWithPhone();

  it('after Cancel, the device can neither read nor answer the request: 410 sign_in_ended', async () => {
    const login = await waitingLogin(world.scanin);
    const abort = await login.browser.fetch(`${login.interactionUrl}/abort`, { method: 'POST' });
    expect(abort.status).toBe(303);
    const { leftTo } = await login.browser.follow(abort.location!, world.scanin.issuer);
    expect(new URL(leftTo!).searchParams.get('error')).toBe('access_denied');

    expectError(await call(world.scanin, 'GET', requestPath(login.rid)), 410, 'sign_in_ended');
    for (const decision of ['approve', 'deny']) {
      expectError(await answerLogin(world.scanin, login.rid, loginAssertion(world.scanin, world.phone, login, { decision })), 410, 'sign_in_ended');
    }
    expect(await findLoginRequest(world.scanin.services.db, login.rid)).toMatchObject({ status: 'closed', device_id: null, account_id: null });
    expect(login.published).toEqual([]);
    login.events.close();
  });

  it('Cancel before the scan closes the pending request too', async () => {
    const login = await waitingLogin(world.scanin, { scanned: false });
    expect((await login.browser.fetch(`${login.interactionUrl}/abort`, { method: 'POST' })).status).toBe(303);
    expectError(await call(world.scanin, 'GET', requestPath(login.rid)), 410, 'sign_in_ended');
    login.events.close();
  });

  it('Cancel after an approval leaves the approval as it was, and the device is told already_answered', async () => {
    const login = await waitingLogin(world.scanin);
    expect((await answerLogin(world.scanin, login.rid, loginAssertion(world.scanin, world.phone, login))).status).toBe(200);
    expect((await login.browser.fetch(`${login.interactionUrl}/abort`, { method: 'POST' })).status).toBe(303);
    expect((await findLoginRequest(world.scanin.services.db, login.rid))!.status).toBe('approved');
    expectError(await call(world.scanin, 'GET', requestPath(login.rid)), 409, 'already_answered');
    login.events.close();
  });
});

describe('a request ends no later than its interaction (INTERACTION_TTL=20, REQUEST_TTL=60)', () => {
  const world = useScaninWithPhone({ INTERACTION_TTL: '20', REQUEST_TTL: '60' });
  afterEach(() => world.scanin.clock.release());

  it('expires_at is the interaction\'s end, not 60 s away', async () => {
    const before = world.scanin.services.clock();
    const login = await waitingLogin(world.scanin);
    const view = await call(world.scanin, 'GET', requestPath(login.rid));
    const row = (await findLoginRequest(world.scanin.services.db, login.rid))!;
    expect(view.body.expires_at).toBe(row.sign_in_expires_at);
    expect(view.body.expires_at as number).toBeLessThanOrEqual(before + 21);
    login.events.close();
  });

  it('once the interaction is over, GET and POST get 410 sign_in_ended and nothing changes', async () => {
    const login = await waitingLogin(world.scanin);
    const row = (await findLoginRequest(world.scanin.services.db, login.rid))!;
    world.scanin.clock.freeze(row.sign_in_expires_at! + 3); // +23 s, the case
    expectError(await call(world.scanin, 'GET', requestPath(login.rid)), 410, 'sign_in_ended');
    expectError(await answerLogin(world.scanin, login.rid, loginAssertion(world.scanin, world.phone, login)), 410, 'sign_in_ended');
    expect((await findLoginRequest(world.scanin.services.db, login.rid))!.status).toBe('scanned');
    expect(login.published).toEqual([]);
    login.events.close();
  });

  it('one second before the end it is still open and approvable', async () => {
    const login = await waitingLogin(world.scanin);
    const row = (await findLoginRequest(world.scanin.services.db, login.rid))!;
    world.scanin.clock.freeze(row.sign_in_expires_at! - 1);
    await expectStillApprovable(world.scanin, login, world.phone);
  });
});

describe('a request whose own time runs out before its interaction is `expired`, not ended', () => {
  const world = useScaninWithPhone({ INTERACTION_TTL: '900', REQUEST_TTL: '10' });
  afterEach(() => world.scanin.clock.release());

  it('past REQUEST_TTL but inside the interaction: 410 expired (the browser shows a new code)', async () => {
    const login = await waitingLogin(world.scanin);
    const row = (await findLoginRequest(world.scanin.services.db, login.rid))!;
    expect(row.expires_at).toBeLessThan(row.sign_in_expires_at!);
    world.scanin.clock.freeze(row.expires_at);
    expectError(await call(world.scanin, 'GET', requestPath(login.rid)), 410, 'expired');
    expectError(await answerLogin(world.scanin, login.rid, loginAssertion(world.scanin, world.phone, login)), 410, 'expired');
    login.events.close();
  });
});
