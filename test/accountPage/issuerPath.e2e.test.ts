// The account page under an issuer with a path (ISSUER=…/sso), like every route of Scanin: the
// sign-in, the callback, the page's links and forms all carry the path; outside it, nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Authenticator } from '../../src/authenticator/authenticator.ts';
import { TestBrowser } from '../helpers/browser.ts';
import { enrolledPhone } from '../helpers/login.ts';
import { startScaninUnderPath, type TestScanin } from '../helpers/scanin.ts';
import { csrfOf, enterAccountPage, listed, post } from './accountBrowser.ts';

describe('the account page under the issuer path', () => {
  let scanin: TestScanin & { origin: string };
  let phone: Authenticator;
  let origin: string;

  beforeAll(async () => {
    scanin = await startScaninUnderPath('/sso');
    origin = scanin.origin;
    phone = await enrolledPhone(scanin, 'ada@example.com');
  });
  afterAll(async () => {
    await scanin?.close();
  });

  it('signs in, shows and acts under /sso, and /account outside it is a 404', async () => {
    expect(scanin.issuer).toBe(`${origin}/sso`);
    const { browser, page } = await enterAccountPage(scanin, phone);
    expect(page.url).toBe(`${origin}/sso/account`);
    const actions = [...page.body.matchAll(/<form method="post" action="([^"]+)"/g)].map((match) => match[1]!);
    expect(actions.length).toBeGreaterThan(0);
    for (const action of actions) expect(action.startsWith('/sso/account/')).toBe(true);
    const [deviceId] = listed(page.body, 'data-device-id');
    expect((await post(scanin, browser, '/account/devices/rename', { device_id: deviceId!, name: 'Under sso' }, csrfOf(page.body))).location).toBe(`${origin}/sso/account?done=renamed#devices`);
    expect((await new TestBrowser().fetch(`${origin}/account`)).status).toBe(404);
    // The issuer's home page links to it, and its other links work under the path too.
    const home = await new TestBrowser().fetch(`${origin}/sso`);
    expect(home.body).toContain('id="account-page" href="/sso/account"');
    const jwks = /id="jwks" href="([^"]+)"/.exec(home.body)![1]!;
    expect(jwks).toBe(`${origin}/sso/jwks`);
    expect((await new TestBrowser().fetch(jwks, { accept: 'application/json' })).status).toBe(200);
  });
});
