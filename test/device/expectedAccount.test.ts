// Several accounts on one issuer. When the sign-in names its account (the authorization
// request's login_hint is the email of an account), the login request carries account_hint, a
// per-request hash of that account's sub that a device can match and a passer-by cannot read,
// and only that account's devices may answer it: another account's device gets 403
// wrong_account and changes nothing. The reference authenticator picks its key by the hint.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Authenticator } from '../../src/authenticator/authenticator.ts';
import { accountHint } from '../../src/protocol/accountHint.ts';
import { findLoginRequest } from '../../src/store/loginRequests.ts';
import { completeLogin, inviteUrl, openLoginPage } from '../helpers/login.ts';
import { discover, redeem } from '../helpers/rp.ts';
import {
  answerLogin,
  call,
  enrollDevice,
  expectError,
  expectStillApprovable,
  loginAssertion,
  requestPath,
  useScaninWithPhone,
  waitingLogin,
} from '../helpers/device.ts';

describe('a request that names its account (login_hint)', () => {
  const world = useScaninWithPhone(); // world.phone belongs to alice@example.com

  it('carries account_hint = base64url(SHA-256(rid "." sub)), and never the email', async () => {
    const login = await waitingLogin(world.scanin, { params: { login_hint: 'Alice@Example.com' } });
    const view = await call(world.scanin, 'GET', requestPath(login.rid));
    expect(view.body.account_hint).toBe(accountHint(login.rid, world.phone.accountId));
    expect(view.body.account_hint).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(view.text.toLowerCase()).not.toContain('alice');
    expect(view.text).not.toContain(world.phone.accountId);
    await expectStillApprovable(world.scanin, login, world.phone);
  });

  it('the hint differs for every request of the same account', async () => {
    const first = await waitingLogin(world.scanin, { params: { login_hint: 'alice@example.com' } });
    const second = await waitingLogin(world.scanin, { params: { login_hint: 'alice@example.com' } });
    const [a, b] = [await call(world.scanin, 'GET', requestPath(first.rid)), await call(world.scanin, 'GET', requestPath(second.rid))];
    expect(a.body.account_hint).not.toBe(b.body.account_hint);
    first.events.close();
    second.events.close();
  });

  it("another account's device gets 403 wrong_account, for approve and deny, and the right one still approves", async () => {
    const bob = await enrollDevice(world.scanin, 'bob@example.com');
    const login = await waitingLogin(world.scanin, { params: { login_hint: 'alice@example.com' } });
    for (const decision of ['approve', 'deny']) {
      expectError(await answerLogin(world.scanin, login.rid, loginAssertion(world.scanin, bob, login, { decision })), 403, 'wrong_account');
    }
    await expectStillApprovable(world.scanin, login, world.phone);
    expect((await findLoginRequest(world.scanin.services.db, login.rid))!.account_id).toBe(world.phone.accountId);
  });

  it.each<{ rule: string; params: Record<string, string> }>([
    { rule: 'no login_hint', params: {} },
    { rule: 'a login_hint that is no account', params: { login_hint: 'nobody@example.com' } },
    { rule: 'a login_hint that is not an email', params: { login_hint: 'alice' } },
  ])('$rule: no account_hint, and any enrolled account may answer', async ({ params }) => {
    const carol = await enrollDevice(world.scanin, `carol-${Math.random().toString(36).slice(2)}@example.com`);
    const login = await waitingLogin(world.scanin, { params });
    const view = await call(world.scanin, 'GET', requestPath(login.rid));
    expect(view.body).not.toHaveProperty('account_hint');
    await expectStillApprovable(world.scanin, login, carol);
  });
});

describe('the reference authenticator holding two accounts at one issuer', () => {
  const world = useScaninWithPhone();

  async function twoAccountPhone(name: string): Promise<Authenticator> {
    const phone = new Authenticator({ keysFile: join(world.scanin.dir, `${name}.json`) });
    await phone.enroll(await inviteUrl(world.scanin, `${name}-dana@example.com`), { deviceName: 'Dana work' });
    await phone.enroll(await inviteUrl(world.scanin, `${name}-dan@example.com`), { deviceName: 'Dan home' });
    return phone;
  }

  it('answers with the key of the account the request names, and the app gets that account', async () => {
    const phone = await twoAccountPhone('hinted');
    const config = await discover(world.scanin.issuer);
    const login = await openLoginPage(config, undefined, { login_hint: 'hinted-dan@example.com' });
    expect((await phone.answer(login.qrUrl, 'approve')).status).toBe('approved');
    const tokens = await redeem(config, await completeLogin(world.scanin, login), login.auth);
    expect(tokens.claims()!.email).toBe('hinted-dan@example.com');
  });

  it('without a hint it does not pick an account by itself: the user chooses (deviceId)', async () => {
    const phone = await twoAccountPhone('unhinted');
    const login = await openLoginPage(await discover(world.scanin.issuer));
    await expect(phone.answer(login.qrUrl, 'approve')).rejects.toThrow(/several accounts are enrolled/);
    expect((await findLoginRequest(world.scanin.services.db, login.rid))!.status).toBe('scanned');
    const dana = (await phone.list()).find((device) => device.email === 'unhinted-dana@example.com')!;
    expect((await phone.answer(login.qrUrl, 'approve', { deviceId: dana.device_id })).status).toBe('approved');
  });

  it('refuses, before posting anything, a request for an account it holds no key of', async () => {
    const phone = await twoAccountPhone('other');
    await enrollDevice(world.scanin, 'someone-else@example.com');
    const login = await openLoginPage(await discover(world.scanin.issuer), undefined, { login_hint: 'someone-else@example.com' });
    await expect(phone.answer(login.qrUrl, 'approve')).rejects.toThrow(/for another account/);
    const dana = (await phone.list())[0]!;
    await expect(phone.answer(login.qrUrl, 'deny', { deviceId: dana.device_id })).rejects.toThrow(/for another account/);
    expect((await findLoginRequest(world.scanin.services.db, login.rid))!).toMatchObject({ status: 'scanned', device_id: null });
  });

  it('keeps the device name the server stored, from the 201 answer', async () => {
    const phone = new Authenticator({ keysFile: join(world.scanin.dir, 'named.json') });
    const result = await phone.enroll(await inviteUrl(world.scanin, 'named@example.com'), { deviceName: '\uFEFF  Work phone \u00A0' });
    expect(result.device_name).toBe('Work phone');
    expect((await phone.list())[0]!.device_name).toBe('Work phone');
  });
});
