// Cutting off what a lost device or a disabled person opened: revoking a device (as an
// administrator does, with `npx scanin revoke` in another process) ends the browser sessions its
// approvals created, its grants' access and refresh tokens, and its answers not yet used, and
// leaves what another device opened alone. Disabling an account does the same for all of it.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Authenticator, DeviceApiError } from '../../src/authenticator/authenticator.ts';
import { deleteAccount, disableAccount, enableAccount, revokeDeviceEverywhere } from '../../src/accounts/cutOff.ts';
import { TestBrowser } from '../helpers/browser.ts';
import { enrolledPhone, inviteUrl, openLoginPage } from '../helpers/login.ts';
import { authorizationRequest, discover, redeem, useScaninWithApp } from '../helpers/rp.ts';
import { RP_REDIRECT, startTestScanin, TEST_CLIENTS, type TestScanin } from '../helpers/scanin.ts';

const OFFLINE_CLIENT = 'test-offline';
const OFFLINE_SECRET = 'an-offline-client-secret-long-enough-0123456789';
const CLIENTS = [
  ...TEST_CLIENTS,
  {
    client_id: OFFLINE_CLIENT,
    client_name: 'Offline App',
    first_party: true,
    client_secret: OFFLINE_SECRET,
    grant_types: ['authorization_code', 'refresh_token'],
    redirect_uris: [RP_REDIRECT],
  },
];
const SCANIN_CLI = join(import.meta.dirname, '../../src/cli/bin.js');

describe('revocation cuts off what a device opened', () => {
  let scanin: TestScanin;
  let config: oidc.Configuration;

  beforeAll(async () => {
    scanin = await startTestScanin({ clients: CLIENTS });
    config = await discover(scanin.issuer, OFFLINE_CLIENT, OFFLINE_SECRET);
  });
  afterAll(async () => {
    await scanin?.close();
  });

  const active = async (token: string) => (await oidc.tokenIntrospection(config, token)).active;
  const accountOf = async (phone: Authenticator) =>
    ((await scanin.services.db('devices').where({ id: (await phone.list())[0]!.device_id }).first('account_id')) as { account_id: string }).account_id;
  const setsRememberCookie = (page: { headers: Record<string, string | string[] | undefined> }) =>
    [page.headers['set-cookie'] ?? []].flat().some((line) => line.startsWith('scanin_account='));

  /** A browser signs in with `phone` and the app gets access and refresh tokens. */
  async function signIn(phone: Authenticator, browser = new TestBrowser()) {
    const login = await openLoginPage(config, browser, { scope: 'openid email offline_access', prompt: 'consent' });
    const { auth } = login;
    await phone.answer(login.qrUrl, 'approve');
    // prompt=consent: the consent page comes after the login; confirming it returns to the app.
    const consent = await browser.follow(`${login.interactionUrl}/complete`, scanin.issuer);
    expect(consent.page.body).toContain('wants to know who you are');
    const confirmed = await browser.fetch(`${consent.page.url}/confirm`, { method: 'POST' });
    const { leftTo } = await browser.follow(confirmed.location!, scanin.issuer);
    const tokens = await redeem(config, leftTo!, auth);
    expect(tokens.refresh_token).toBeDefined();
    return { browser, tokens };
  }

  /** Whether the browser is still signed in: a new authorization returns a code with no scan. */
  async function signedIn(browser: TestBrowser): Promise<boolean> {
    const { leftTo, page } = await browser.follow((await authorizationRequest(config, 'openid email')).url, scanin.issuer);
    if (leftTo?.includes('code=')) return true;
    expect(page.body).toContain('id="qr-link"');
    return false;
  }

  async function userinfo(accessToken: string): Promise<number> {
    return (await fetch(`${scanin.issuer}/me`, { headers: { authorization: `Bearer ${accessToken}` } })).status;
  }

  async function refreshFails(refreshToken: string): Promise<string> {
    const error = await oidc.refreshTokenGrant(config, refreshToken).then(() => null, (caught: unknown) => caught as { error?: string });
    return error?.error ?? 'refreshed';
  }

  async function revokeWithCli(deviceId: string): Promise<void> {
    const { stdout } = await promisify(execFile)(process.execPath, [SCANIN_CLI, 'revoke', deviceId], { env: { ...process.env, ...scanin.env } });
    expect(stdout).toContain(`revoked ${deviceId}`);
  }

  it('ends the sessions, access tokens and refresh tokens of the revoked device, and only those', async () => {
    const lost = await enrolledPhone(scanin, 'erin@example.com', 'erin-lost.json');
    const kept = await enrolledPhone(scanin, 'erin@example.com', 'erin-kept.json');
    const viaLost = await signIn(lost);
    const viaKept = await signIn(kept);
    expect(await userinfo(viaLost.tokens.access_token)).toBe(200);
    expect(await active(viaLost.tokens.access_token)).toBe(true);
    const refreshed = await oidc.refreshTokenGrant(config, viaLost.tokens.refresh_token!);
    expect(await signedIn(viaLost.browser)).toBe(true);

    await revokeWithCli((await lost.list())[0]!.device_id);

    expect(await signedIn(viaLost.browser)).toBe(false);
    expect(await userinfo(viaLost.tokens.access_token)).toBe(401);
    expect(await userinfo(refreshed.access_token)).toBe(401);
    expect(await active(refreshed.access_token)).toBe(false);
    expect(await active(refreshed.refresh_token!)).toBe(false);
    expect(await refreshFails(refreshed.refresh_token!)).toBe('invalid_grant');

    // What the other device opened stays.
    expect(await signedIn(viaKept.browser)).toBe(true);
    expect(await userinfo(viaKept.tokens.access_token)).toBe(200);
    expect(await active(viaKept.tokens.access_token)).toBe(true);
    expect(await refreshFails(viaKept.tokens.refresh_token!)).toBe('refreshed');
  });

  it('knows the device of a sign-in that needed no consent: its session and grant were stored as the login finished', async () => {
    const lost = await enrolledPhone(scanin, 'hana@example.com', 'hana-lost.json');
    const kept = await enrolledPhone(scanin, 'hana@example.com', 'hana-kept.json');
    const signInWithoutConsent = async (phone: Authenticator) => {
      const login = await openLoginPage(config, new TestBrowser(), { scope: 'openid email' });
      await phone.answer(login.qrUrl, 'approve');
      const { leftTo } = await login.browser.follow(`${login.interactionUrl}/complete`, scanin.issuer);
      return { browser: login.browser, tokens: await redeem(config, leftTo!, login.auth) };
    };
    const viaLost = await signInWithoutConsent(lost);
    // The origin is written in the same statements as the session and the grant, not after them.
    const statements: string[] = [];
    const record = (query: { sql: string }) => statements.push(query.sql);
    scanin.services.db.on('query', record);
    const viaKept = await signInWithoutConsent(kept).finally(() => scanin.services.db.off('query', record));
    expect(statements.filter((sql) => /^update .oidc_payloads. set .device_id./i.test(sql))).toEqual([]);
    const lostId = (await lost.list())[0]!.device_id;
    const origins = await scanin.services.db('oidc_payloads').whereIn('model', ['Session', 'Grant']).where('account_id', (await scanin.services.db('devices').where('id', lostId).first('account_id')).account_id).select('model', 'device_id', 'ip', 'user_agent');
    expect(origins.filter((row) => row.model === 'Session')).toHaveLength(2);
    expect(origins.filter((row) => row.model === 'Grant')).toHaveLength(2);
    expect(origins.every((row) => row.device_id !== null)).toBe(true);
    expect(origins.filter((row) => row.model === 'Session').every((row) => row.ip && row.user_agent)).toBe(true);

    await revokeWithCli(lostId);

    expect(await signedIn(viaLost.browser)).toBe(false);
    expect(await userinfo(viaLost.tokens.access_token)).toBe(401);
    expect(await signedIn(viaKept.browser)).toBe(true);
    expect(await userinfo(viaKept.tokens.access_token)).toBe(200);
  });

  it('refuses the revoked device’s future answers with device_revoked', async () => {
    const phone = await enrolledPhone(scanin, 'fred@example.com', 'fred.json');
    await revokeWithCli((await phone.list())[0]!.device_id);
    const login = await openLoginPage(config);
    const refused = await phone.answer(login.qrUrl, 'approve').catch((error: unknown) => error as DeviceApiError);
    expect(refused).toMatchObject({ status: 403, error: 'device_revoked' });
  });

  it('refuses an approval the browser has not used yet: the app gets access_denied', async () => {
    const phone = await enrolledPhone(scanin, 'gail@example.com', 'gail.json');
    const login = await openLoginPage(config);
    expect((await phone.answer(login.qrUrl, 'approve')).status).toBe('approved');
    await revokeWithCli((await phone.list())[0]!.device_id);
    const { leftTo } = await login.browser.follow(`${login.interactionUrl}/complete`, scanin.issuer);
    expect(new URL(leftTo!).searchParams.get('error')).toBe('access_denied');
    expect(await signedIn(login.browser)).toBe(false);
  });

  it('an account disabled between the approval and /complete: the cut-off denied the approval, the app gets access_denied, and the browser remembers no one', async () => {
    const { db, clock } = scanin.services;
    const phone = await enrolledPhone(scanin, 'jan@example.com', 'jan.json');
    const login = await openLoginPage(config);
    await phone.answer(login.qrUrl, 'approve');
    const accountId = await accountOf(phone);
    expect(await disableAccount(db, clock, accountId)).toBe(true);
    const completed = await login.browser.fetch(`${login.interactionUrl}/complete`);
    expect(completed.status).toBe(303);
    expect(setsRememberCookie(completed)).toBe(false);
    expect(await db('remembered_browsers').where({ account_id: accountId })).toEqual([]);
    const { leftTo } = await login.browser.follow(completed.location!, scanin.issuer);
    const back = new URL(leftTo!);
    expect(back.searchParams.get('error')).toBe('access_denied');
    expect(back.searchParams.has('code')).toBe(false);
    expect(await signedIn(login.browser)).toBe(false);
  });

  it('an account deleted between the approval and /complete: its approval went with it, and the browser is back at the QR code', async () => {
    const phone = await enrolledPhone(scanin, 'kim@example.com', 'kim.json');
    const login = await openLoginPage(config);
    await phone.answer(login.qrUrl, 'approve');
    expect(await deleteAccount(scanin.services.db, await accountOf(phone))).toBe(true);
    const completed = await login.browser.fetch(`${login.interactionUrl}/complete`);
    expect(completed.status).toBe(302);
    expect(completed.location).toBe(login.interactionUrl);
    expect(setsRememberCookie(completed)).toBe(false);
  });

  it('a revocation between the approval and the session it creates leaves no session, and the app gets access_denied, no code', async () => {
    const phone = await enrolledPhone(scanin, 'ines@example.com', 'ines.json');
    const login = await openLoginPage(config);
    await phone.answer(login.qrUrl, 'approve');
    // /complete accepts the approval and hands the browser back to the engine, which stores the session.
    const completed = await login.browser.fetch(`${login.interactionUrl}/complete`);
    expect(completed.status).toBe(303);
    await revokeDeviceEverywhere(scanin.services.db, scanin.services.clock, (await phone.list())[0]!.device_id);
    const { leftTo } = await login.browser.follow(completed.location!, scanin.issuer);
    // The app hears access_denied, with no code.
    const back = new URL(leftTo!);
    expect(back.searchParams.get('error')).toBe('access_denied');
    expect(back.searchParams.get('error_description')).toBe('The phone that approved this sign-in can no longer sign in (this device was revoked). Start the sign-in again.');
    expect(back.searchParams.has('code')).toBe(false);
    expect(await signedIn(login.browser)).toBe(false);
  });

  it.each([
    ['disabled', (accountId: string) => disableAccount(scanin.services.db, scanin.services.clock, accountId), 'the account of this device is disabled'],
    ['deleted', (accountId: string) => deleteAccount(scanin.services.db, accountId), 'it no longer exists'],
  ])('an account %s between /complete and the session it creates: no session, and the app gets access_denied, no code', async (_, cutOff, reason) => {
    const phone = await enrolledPhone(scanin, `lee-${reason.length}@example.com`, `lee-${reason.length}.json`);
    const login = await openLoginPage(config);
    await phone.answer(login.qrUrl, 'approve');
    const completed = await login.browser.fetch(`${login.interactionUrl}/complete`);
    expect(completed.status).toBe(303);
    expect(await cutOff(await accountOf(phone))).toBe(true);
    const { leftTo } = await login.browser.follow(completed.location!, scanin.issuer);
    const back = new URL(leftTo!);
    expect(back.searchParams.get('error')).toBe('access_denied');
    expect(back.searchParams.get('error_description')).toContain(reason);
    expect(back.searchParams.has('code')).toBe(false);
    expect(await signedIn(login.browser)).toBe(false);
  });
});

describe('a disabled account', () => {
  const started = useScaninWithApp();

  it('loses its sessions and tokens at once, cannot log in or enroll, and works again when enabled', async () => {
    const [scanin, config] = [started.scanin(), started.config()];
    const phone = await enrolledPhone(scanin, 'hana@example.com', 'hana.json');
    const login = await openLoginPage(config);
    await phone.answer(login.qrUrl, 'approve');
    const tokens = await redeem(config, (await login.browser.follow(`${login.interactionUrl}/complete`, scanin.issuer)).leftTo!, login.auth);
    const me = () => fetch(`${scanin.issuer}/me`, { headers: { authorization: `Bearer ${tokens.access_token}` } }).then((r) => r.status);
    expect(await me()).toBe(200);

    const { db, clock } = scanin.services;
    const sub = tokens.claims()!.sub;
    expect(await disableAccount(db, clock, sub)).toBe(true);
    expect(await disableAccount(db, clock, sub)).toBe(false);

    expect(await me()).toBe(401);
    const again = await login.browser.follow((await authorizationRequest(config)).url, scanin.issuer);
    expect(again.leftTo).toBeUndefined();
    const next = await openLoginPage(config, login.browser);
    const refused = await phone.answer(next.qrUrl, 'approve').catch((error: unknown) => error as DeviceApiError);
    expect(refused).toMatchObject({ status: 403, error: 'account_disabled' });
    const invite = await inviteUrl(scanin, 'hana@example.com');
    const enrolling = await new Authenticator({ keysFile: join(scanin.dir, 'hana-2.json') }).enroll(invite).catch((error: unknown) => error as DeviceApiError);
    expect(enrolling).toMatchObject({ status: 403, error: 'account_disabled' });

    expect(await enableAccount(db, sub)).toBe(true);
    expect((await phone.answer(next.qrUrl, 'approve')).status).toBe('approved');
    const back = await redeem(config, (await next.browser.follow(`${next.interactionUrl}/complete`, scanin.issuer)).leftTo!, next.auth);
    expect(back.claims()!.sub).toBe(sub);
  });
});
