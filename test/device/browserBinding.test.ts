// The browser's side of a QR login is bound to the browser that started it by the interaction
// cookie: another browser that knows the uid (it is in the URL) learns nothing from /status or
// /events and cannot finish the login; and /complete logs in only after the phone approved.
import { describe, expect, it } from 'vitest';
import { request } from 'undici';
import { findLoginRequest } from '../../src/store/loginRequests.ts';
import { TestBrowser } from '../helpers/browser.ts';
import {
  answerLogin,
  call,
  expectError,
  expectRequestOpen,
  expectStillApprovable,
  loginAssertion,
  useScaninWithPhone,
  waitingLogin,
  type Answer,
  type WaitingLogin, signedRead } from '../helpers/device.ts';
import { openLoginPage } from '../helpers/login.ts';
import { discover } from '../helpers/rp.ts';
import { RP_REDIRECT } from '../helpers/scanin.ts';
import { EventStream } from '../helpers/sse.ts';

const world = useScaninWithPhone();

/** `path` of the victim's interaction, fetched by a browser holding `cookie` (another browser's, or none). */
async function asAnotherBrowser(login: WaitingLogin, path: string, cookie: string, accept = 'application/json'): Promise<Answer & { location: string | undefined }> {
  const response = await request(`${login.interactionUrl}${path}`, { headers: { accept, cookie, 'user-agent': 'Mallory/1.0' } });
  const text = await response.body.text();
  let body: Record<string, unknown> = {};
  try {
    body = JSON.parse(text) as Record<string, unknown>;
  } catch {
    // an HTML page
  }
  return { status: response.statusCode, body, text, headers: response.headers, location: response.headers.location as string | undefined };
}

/** The interaction cookie of a second browser with a login of its own (scoped to its own uid). */
async function otherBrowsersCookie(): Promise<string> {
  const mallory = new TestBrowser('Mallory/1.0');
  const theirs = await openLoginPage(await discover(world.scanin.issuer), mallory);
  const cookie = mallory.cookieFor(`${theirs.interactionUrl}/status`);
  expect(cookie).toContain('_interaction=');
  return cookie;
}

describe('another browser that knows the uid', () => {
  for (const who of ['without any cookie', "with its own interaction's cookie"] as const) {
    const cookieOf = async () => (who === 'without any cookie' ? '' : otherBrowsersCookie());

    it(`${who}: /interaction/:uid/status gets 400 invalid_request and no state`, async () => {
      const login = await waitingLogin(world.scanin);
      const answer = await asAnotherBrowser(login, '/status', await cookieOf());
      expectError(answer, 400, 'invalid_request');
      expect(answer.text).not.toContain(login.rid);
      await expectStillApprovable(world.scanin, login, world.phone);
    });

    it(`${who}: /interaction/:uid/events gets 400 invalid_request, not a stream`, async () => {
      const login = await waitingLogin(world.scanin);
      const stream = await EventStream.open(`${login.interactionUrl}/events`, { cookie: await cookieOf(), 'user-agent': 'Mallory/1.0' });
      expect(stream.status).toBe(400);
      expect(stream.contentType).toContain('application/json');
      stream.close();
      const answer = await asAnotherBrowser(login, '/events', await cookieOf());
      expectError(answer, 400, 'invalid_request');
      await expectStillApprovable(world.scanin, login, world.phone);
    });

    it(`${who}: /interaction/:uid/complete after the world.phone approved does not log that browser in`, async () => {
      const login = await waitingLogin(world.scanin);
      expect((await answerLogin(world.scanin, login.rid, loginAssertion(world.scanin, world.phone, login))).status).toBe(200);
      const answer = await asAnotherBrowser(login, '/complete', await cookieOf(), 'text/html');
      expect(answer.status).toBe(400);
      expect(answer.location).toBeUndefined();
      // The approval is still there for the browser it belongs to.
      expect((await findLoginRequest(world.scanin.services.db, login.rid))!.status).toBe('approved');
      const { leftTo } = await login.browser.follow(`${login.interactionUrl}/complete`, world.scanin.issuer);
      expect(new URL(leftTo!).searchParams.has('code')).toBe(true);
      login.events.close();
    });
  }
});

describe('/interaction/:uid/complete logs in only after an approval', () => {
  it('before the world.phone answers, /complete redirects back to the QR page and the request stays open', async () => {
    const login = await waitingLogin(world.scanin);
    const page = await login.browser.fetch(`${login.interactionUrl}/complete`);
    expect(page.status).toBe(302);
    expect(page.location).toBe(`${world.scanin.issuer}/interaction/${login.uid}`);
    await expectStillApprovable(world.scanin, login, world.phone);
  });

  it('before the world.phone even scans, /complete redirects back to the QR page', async () => {
    const login = await waitingLogin(world.scanin, { scanned: false });
    const page = await login.browser.fetch(`${login.interactionUrl}/complete`);
    expect(page.status).toBe(302);
    expect(page.location).toBe(`${world.scanin.issuer}/interaction/${login.uid}`);
    await expectStillApprovable(world.scanin, login, world.phone, 'pending');
  });

  it('after refused answers (a forged and a stale assertion), /complete still redirects back to the QR page', async () => {
    const login = await waitingLogin(world.scanin);
    expectError(await answerLogin(world.scanin, login.rid, loginAssertion(world.scanin, world.phone, login, { aud: 'https://evil.example.com' })), 401, 'invalid_assertion');
    expectError(await answerLogin(world.scanin, login.rid, loginAssertion(world.scanin, world.phone, login, { iat: world.scanin.services.clock() - 3600 })), 401, 'clock_skew');
    const page = await login.browser.fetch(`${login.interactionUrl}/complete`);
    expect(page.status).toBe(302);
    expect(page.location).toBe(`${world.scanin.issuer}/interaction/${login.uid}`);
    await expectRequestOpen(world.scanin, login.rid, 'scanned');
    login.events.close();
  });

  it('after an approval, /complete returns the browser to the app with a code, once', async () => {
    const login = await waitingLogin(world.scanin);
    await expectStillApprovable(world.scanin, login, world.phone);
    const { leftTo } = await login.browser.follow(`${login.interactionUrl}/complete`, world.scanin.issuer);
    const callback = new URL(leftTo!);
    expect(`${callback.origin}${callback.pathname}`).toBe(RP_REDIRECT);
    expect(callback.searchParams.get('code')).toBeTruthy();
    expect(callback.searchParams.get('state')).toBe(login.auth.state);
    expect((await findLoginRequest(world.scanin.services.db, login.rid))!.status).toBe('completed');
  });

  it('/status tells the waiting browser pending, scanned, then approved', async () => {
    const login = await waitingLogin(world.scanin, { scanned: false });
    const status = async () => (await login.browser.fetch(`${login.interactionUrl}/status`, { accept: 'application/json' })).body;
    expect(JSON.parse(await status())).toMatchObject({ status: 'pending', qr: { rid: login.rid } });
    expect((await call(world.scanin, 'GET', `/device/v1/requests/${login.rid}`)).status).toBe(200);
    // An unsigned read changes nothing: only an enrolled device's signed read is a scan.
    expect(JSON.parse(await status())).toMatchObject({ status: 'pending' });
    expect((await signedRead(world.scanin, login.rid)).status).toBe(200);
    const scanned = JSON.parse(await status()) as Record<string, unknown>;
    expect(scanned).toMatchObject({ status: 'scanned' });
    expect(scanned).not.toHaveProperty('number');
    expect((await answerLogin(world.scanin, login.rid, loginAssertion(world.scanin, world.phone, login))).status).toBe(200);
    expect(JSON.parse(await status())).toMatchObject({ status: 'approved', complete_url: `/interaction/${login.uid}/complete`, account: 'Test Person <alice@example.com>' });
    login.events.close();
  });
});
