// Per-app access rules (clients.json `allowed_groups`) as a relying party, a person and an
// auditor see them: a member (a subgroup's member too) signs in; someone outside the groups who
// approves on the phone reads "You don't have access to Team Wiki — ask your administrator" (and
// the phone's answer says so), and
// the app gets access_denied; a browser session from another app is not reused for them, not even
// with prompt=none; someone removed from the group since their sign-in cannot redeem the code or
// use the access token; a back-channel (CIBA) request for them is refused before their phone is
// asked. Every refusal is audited, once.
import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Authenticator } from '../../src/authenticator/authenticator.ts';
import { listAudit } from '../../src/audit/audit.ts';
import { findAccountByEmail } from '../../src/store/accounts.ts';
import { addMember, createGroup, removeMember } from '../../src/store/groups.ts';
import { TestBrowser } from '../helpers/browser.ts';
import { completeLogin, enrolledPhone, openLoginPage } from '../helpers/login.ts';
import { authorizationRequest, discover, redeem } from '../helpers/rp.ts';
import { PUBLIC_CLIENT, RP_REDIRECT, startTestScanin, TEST_CLIENTS, type TestScanin } from '../helpers/scanin.ts';

const WIKI = 'wiki';
const CLI = 'wiki-cli';
const CLI_SECRET = 'wiki-cli-secret-that-is-long-enough-0123456789';
const CIBA = 'urn:openid:params:grant-type:ciba';

describe('access rules (allowed_groups)', () => {
  let scanin: TestScanin;
  let member: Authenticator;
  let outsider: Authenticator;
  let staffId: string;

  beforeAll(async () => {
    scanin = await startTestScanin({
      clients: [
        ...TEST_CLIENTS,
        { client_id: WIKI, client_name: 'Team Wiki', first_party: true, token_endpoint_auth_method: 'none', redirect_uris: [RP_REDIRECT], allowed_groups: ['staff', 'contractors'] },
        { client_id: CLI, client_name: 'Wiki CLI', client_secret: CLI_SECRET, grant_types: [CIBA], backchannel_token_delivery_mode: 'poll', allowed_groups: ['staff'] },
      ],
    });
    member = await enrolledPhone(scanin, 'mia@example.com', 'mia.json');
    outsider = await enrolledPhone(scanin, 'otto@example.com', 'otto.json');
    const { db, clock } = scanin.services;
    const staff = await createGroup(db, clock(), 'staff');
    staffId = staff.id;
    const writers = await createGroup(db, clock(), 'writers', 'staff');
    const mia = (await findAccountByEmail(db, 'mia@example.com'))!;
    await addMember(db, clock(), writers.id, mia.id, null);
  });
  afterAll(async () => {
    await scanin?.close();
  });

  async function refusals(email: string) {
    const account = (await findAccountByEmail(scanin.services.db, email))!;
    return (await listAudit(scanin.services.db, { accountId: account.id })).filter((entry) => entry.event === 'login.refused');
  }

  it('lets in a member of a subgroup of an allowed group', async () => {
    const wiki = await discover(scanin.issuer, WIKI);
    const login = await openLoginPage(wiki);
    const answer = await member.answer(login.qrUrl, 'approve');
    expect(answer).not.toHaveProperty('access');
    const tokens = await redeem(wiki, await completeLogin(scanin, login), login.auth);
    expect(tokens.claims()!.email).toBe('mia@example.com');
  });

  it('refuses someone outside the groups after the phone approved: a page for them, access_denied for the app, audited once', async () => {
    const wiki = await discover(scanin.issuer, WIKI);
    const login = await openLoginPage(wiki);
    // The phone's answer says what the browser will show.
    expect(await outsider.answer(login.qrUrl, 'approve')).toMatchObject({ status: 'approved', access: 'denied' });
    const { page, leftTo } = await login.browser.follow(`${login.interactionUrl}/complete`, scanin.issuer);
    expect(leftTo).toBeUndefined();
    expect(page.status).toBe(403);
    expect(page.body).toContain("You don't have access to Team Wiki — ask your administrator.");
    expect(page.body).toContain('otto@example.com');
    // A reload shows the same page and records nothing more.
    const again = await login.browser.fetch(page.url);
    expect(again.status).toBe(403);
    const back = /id="back-to-app" href="([^"]+)"/.exec(page.body)![1]!.replaceAll('&amp;', '&');
    const { leftTo: toApp } = await login.browser.follow(back, scanin.issuer);
    const callback = new URL(toApp!);
    expect(`${callback.origin}${callback.pathname}`).toBe(RP_REDIRECT);
    expect(callback.searchParams.get('error')).toBe('access_denied');
    expect(callback.searchParams.get('state')).toBe(login.auth.state);
    expect(callback.searchParams.has('code')).toBe(false);
    const recorded = await refusals('otto@example.com');
    expect(recorded).toHaveLength(1);
    expect(recorded[0]).toMatchObject({ client_id: WIKI, detail: { reason: 'not_in_allowed_groups', flow: 'browser' } });
  });

  it('lets the person refused sign in with another account from the refusal page; the same account approving again sees the refusal again', async () => {
    const wiki = await discover(scanin.issuer, WIKI);
    const login = await openLoginPage(wiki);
    const { browser } = login;
    await outsider.answer(login.qrUrl, 'approve');
    /** Each refusal is an interaction of its own (the engine asks for the login again): its page's choice, taken. */
    const chooseAnother = async (refusal: { status: number; url: string; body: string }) => {
      expect(refusal.status).toBe(403);
      expect(refusal.body).toContain("You don't have access to Team Wiki");
      const [, action, uid] = /<form method="post" action="(\/interaction\/([^/"]+)\/another-account)">/.exec(refusal.body)!;
      const interactionUrl = `${scanin.issuer}/interaction/${uid}`;
      expect(refusal.url).toBe(interactionUrl);
      expect((await browser.fetch(`${scanin.issuer}${action}`, { method: 'POST' })).status).toBe(303);
      const page = await browser.fetch(interactionUrl);
      expect(page.status, page.body.slice(0, 200)).toBe(200);
      expect(page.body).not.toContain('Continue as');
      return { qrUrl: /id="qr-link" href="([^"]+)"/.exec(page.body)![1]!.replaceAll('&amp;', '&'), complete: () => browser.follow(`${interactionUrl}/complete`, scanin.issuer) };
    };

    const first = await chooseAnother((await browser.follow(`${login.interactionUrl}/complete`, scanin.issuer)).page);
    // The same account approving again is refused again, not shown the QR code once more.
    await outsider.answer(first.qrUrl, 'approve');
    const second = await chooseAnother((await first.complete()).page);

    // Now a member: the engine ends the browser's session of the refused account first, then the app gets Mia's code.
    await member.answer(second.qrUrl, 'approve');
    let { page, leftTo } = await second.complete();
    // The engine's own form, which a browser submits by itself: end Otto's session, then go on.
    expect(leftTo).toBeUndefined();
    const xsrf = /action="[^"]+\/session\/end\/confirm"[\s\S]*name="xsrf" value="([^"]+)"/.exec(page.body)!;
    const confirmed = await browser.fetch(`${scanin.issuer}/session/end/confirm`, { method: 'POST', form: { xsrf: xsrf[1]!, logout: 'yes' } });
    ({ page, leftTo } = await browser.follow(confirmed.location!, scanin.issuer));
    expect(leftTo, page.body.slice(0, 300)).toBeDefined();
    expect((await redeem(wiki, leftTo!, login.auth)).claims()!.email).toBe('mia@example.com');
    expect(await refusals('otto@example.com')).toHaveLength(3);
  });

  it("does not reuse another app's browser session for someone outside the groups, with prompt=none neither", async () => {
    // Signed in to an app without rules, in this browser.
    const browser = new TestBrowser();
    const open = await discover(scanin.issuer, PUBLIC_CLIENT);
    const login = await openLoginPage(open, browser);
    await outsider.answer(login.qrUrl, 'approve');
    await redeem(open, await completeLogin(scanin, login), login.auth);
    const before = (await refusals('otto@example.com')).length;

    const wiki = await discover(scanin.issuer, WIKI);
    const silent = await authorizationRequest(wiki, undefined, { prompt: 'none' });
    const { leftTo } = await browser.follow(silent.url, scanin.issuer);
    expect(new URL(leftTo!).searchParams.get('error')).toBe('access_denied');

    const asked = await authorizationRequest(wiki);
    const { page, leftTo: none } = await browser.follow(asked.url, scanin.issuer);
    expect(none).toBeUndefined();
    expect(page.status).toBe(403);
    expect(page.body).toContain("You don't have access to Team Wiki");
    expect(await refusals('otto@example.com')).toHaveLength(before + 1);
  });

  it('refuses the code and the access token of someone removed from the group since signing in', async () => {
    const { db } = scanin.services;
    const mia = (await findAccountByEmail(db, 'mia@example.com'))!;
    const wiki = await discover(scanin.issuer, WIKI);
    const staffMember = async () => addMember(db, scanin.services.clock(), staffId, mia.id, null);
    await staffMember();

    const first = await openLoginPage(wiki);
    await member.answer(first.qrUrl, 'approve');
    const tokens = await redeem(wiki, await completeLogin(scanin, first), first.auth);
    const second = await openLoginPage(wiki);
    await member.answer(second.qrUrl, 'approve');
    const callback = await completeLogin(scanin, second);

    // Out of staff and of its subgroup writers.
    await removeMember(db, staffId, mia.id);
    const writers = await db('groups').where({ name: 'writers' }).first('id');
    await removeMember(db, writers.id as string, mia.id);
    await expect(redeem(wiki, callback, second.auth)).rejects.toMatchObject({ error: 'invalid_grant' });
    await expect(oidc.fetchUserInfo(wiki, tokens.access_token, tokens.claims()!.sub)).rejects.toMatchObject({ status: 401 });

    await staffMember();
    expect((await oidc.fetchUserInfo(wiki, tokens.access_token, tokens.claims()!.sub)).email).toBe('mia@example.com');
  });

  it('refuses a back-channel request for someone outside the groups before their phone is asked', async () => {
    const cli = await discover(scanin.issuer, CLI, CLI_SECRET);
    await expect(oidc.initiateBackchannelAuthentication(cli, { scope: 'openid', login_hint: 'otto@example.com', binding_message: '42' })).rejects.toMatchObject({ error: 'access_denied' });
    const otto = (await findAccountByEmail(scanin.services.db, 'otto@example.com'))!;
    expect(await scanin.services.db('login_requests').where({ expected_account_id: otto.id, kind: 'backchannel' })).toEqual([]);
    const recorded = await refusals('otto@example.com');
    expect(recorded.at(-1)).toMatchObject({ client_id: CLI, detail: { reason: 'not_in_allowed_groups', flow: 'backchannel' } });
    const started = await oidc.initiateBackchannelAuthentication(cli, { scope: 'openid', login_hint: 'mia@example.com', binding_message: '42' });
    expect(started.auth_req_id).toBeTruthy();
  });
});
