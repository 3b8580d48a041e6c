// Steps of a QR login shared by the tests: invite, enroll, open the QR page, approve, redeem.
import { join } from 'node:path';
import { Authenticator } from '../../src/authenticator/authenticator.ts';
import { systemClock } from '../../src/clock.ts';
import { createEnrollment } from '../../src/enrollment/enrollments.ts';
import { enrollmentUrl } from '../../src/protocol/urls.ts';
import { ensureAccount } from '../../src/store/accounts.ts';
import { readLoginPage, TestBrowser } from './browser.ts';
import { EventStream } from './sse.ts';
import type { TestScanin } from './scanin.ts';
import { authorizationRequest, type Authorization } from './rp.ts';
import type * as oidc from 'openid-client';

export async function inviteUrl(scanin: TestScanin, email: string, name = 'Test Person'): Promise<string> {
  const { db, clock } = scanin.services;
  const account = await ensureAccount(db, clock, email, name);
  const enrollment = await createEnrollment(db, systemClock, account, 'invite', 3600);
  return enrollmentUrl(scanin.issuer, enrollment.eid);
}

export async function enrolledPhone(scanin: TestScanin, email: string, keysName = 'phone.json'): Promise<Authenticator> {
  const phone = new Authenticator({ keysFile: join(scanin.dir, keysName) });
  await phone.enroll(await inviteUrl(scanin, email), { deviceName: 'Test Phone' });
  return phone;
}

export type OpenLogin = { browser: TestBrowser; auth: Authorization; uid: string; interactionUrl: string; qrUrl: string; rid: string };

/** The browser starts an authorization request and lands on the QR page. */
export async function openLoginPage(config: oidc.Configuration, browser = new TestBrowser(), extra: Record<string, string> = {}): Promise<OpenLogin> {
  const auth = await authorizationRequest(config, undefined, extra);
  const start = await browser.fetch(auth.url);
  if (start.status !== 303 || !start.location?.includes('/interaction/')) throw new Error(`expected a redirect to the interaction, got ${start.status} ${start.body}`);
  const page = await browser.fetch(start.location);
  if (page.status !== 200) throw new Error(`QR page answered ${page.status}: ${page.body}`);
  const { qrUrl, rid } = readLoginPage(page.body);
  return { browser, auth, uid: start.location.split('/').pop()!, interactionUrl: start.location, qrUrl, rid };
}

export function openEvents(login: OpenLogin): Promise<EventStream> {
  const url = `${login.interactionUrl}/events?rid=${login.rid}`;
  return EventStream.open(url, { cookie: login.browser.cookieFor(url), 'user-agent': login.browser.userAgent });
}

/** After approval: /complete and the redirects back to the relying party's callback. */
export async function completeLogin(scanin: TestScanin, login: OpenLogin): Promise<string> {
  const { leftTo, page } = await login.browser.follow(`${login.interactionUrl}/complete`, scanin.issuer);
  if (!leftTo) throw new Error(`the login did not return to the app: ${page.status} ${page.body.slice(0, 300)}`);
  return leftTo;
}

/** The number the sign-in page shows once its code is scanned: read from the page, as a person does. */
export async function shownNumber(login: OpenLogin): Promise<string | null> {
  const page = await login.browser.fetch(login.interactionUrl);
  return /id="number">(\d{2})</.exec(page.body)?.[1] ?? null;
}
