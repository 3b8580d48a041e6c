// Entering the account page as a person does: the browser opens /account, is sent through the
// engine's sign-in to the QR page, the phone approves, and the browser follows the redirects
// back through /account/callback to the page. Plus readers for what the page shows.
import type { Authenticator } from '../../src/authenticator/authenticator.ts';
import { readLoginPage, TestBrowser, type Page } from '../helpers/browser.ts';
import type { TestScanin } from '../helpers/scanin.ts';

export type QrStep = { browser: TestBrowser; interactionUrl: string; qrUrl: string; rid: string };

/** Opens /account in a signed-out browser and follows it to the QR page. */
export async function openAccountSignIn(scanin: TestScanin, browser = new TestBrowser(), path = '/account'): Promise<QrStep> {
  let page = await browser.fetch(`${scanin.issuer}${path}`);
  while (page.location && !page.location.includes('/interaction/')) page = await browser.fetch(page.location);
  if (!page.location) throw new Error(`expected to be sent to the QR page, got ${page.status} ${page.body.slice(0, 300)}`);
  const interactionUrl = page.location;
  const qr = await browser.fetch(interactionUrl);
  if (qr.status !== 200) throw new Error(`QR page answered ${qr.status}: ${qr.body.slice(0, 300)}`);
  return { browser, interactionUrl, ...readLoginPage(qr.body) };
}

/** After the phone answered: /complete and every redirect after it, to the last page. */
export async function finishSignIn(scanin: TestScanin, step: QrStep): Promise<Page> {
  const { page, leftTo } = await step.browser.follow(`${step.interactionUrl}/complete`, scanin.issuer);
  if (leftTo) throw new Error(`the sign-in left Scanin for ${leftTo}`);
  return page;
}

/** A browser signed in to the account page by `phone` (its device `deviceId` if it has several). */
export async function enterAccountPage(scanin: TestScanin, phone: Authenticator, options: { browser?: TestBrowser; deviceId?: string } = {}): Promise<{ browser: TestBrowser; page: Page }> {
  const step = await openAccountSignIn(scanin, options.browser);
  await phone.answer(step.qrUrl, 'approve', options.deviceId ? { deviceId: options.deviceId } : {});
  const page = await finishSignIn(scanin, step);
  if (page.status !== 200 || !page.url.endsWith('/account')) throw new Error(`expected the account page, got ${page.status} at ${page.url}: ${page.body.slice(0, 300)}`);
  return { browser: step.browser, page };
}

export function csrfOf(html: string): string {
  const token = /name="csrf" value="([^"]+)"/.exec(html)?.[1];
  if (!token) throw new Error('the page has no CSRF token');
  return token;
}

/** The ids of the items of one kind the page lists: data-device-id, data-client-id, data-session. */
export function listed(html: string, attribute: 'data-device-id' | 'data-client-id' | 'data-session'): string[] {
  return [...html.matchAll(new RegExp(`<li class="item[^"]*" (?:id="[^"]*" )?${attribute}="([^"]+)"`, 'g'))].map((match) => match[1]!);
}

/** POSTs an account-page form as the browser, with the page's CSRF token unless `csrf` is given. */
export function post(scanin: TestScanin, browser: TestBrowser, path: string, form: Record<string, string>, csrf: string | null): Promise<Page> {
  return browser.fetch(`${scanin.issuer}${path}`, { method: 'POST', form: csrf === null ? form : { csrf, ...form } });
}

/**
 * Moves the time of the last approved QR sign-in (the engine's loginTs) of every browser session
 * of `accountId` back by `seconds`, as if the person had scanned that long ago: the account page
 * then asks for a fresh scan before its sensitive actions.
 */
export async function ageSignIns(scanin: TestScanin, accountId: string, seconds: number): Promise<void> {
  const { db } = scanin.services;
  const rows = (await db('oidc_payloads').where({ model: 'Session', account_id: accountId }).select('id', 'payload')) as Array<{ id: string; payload: string }>;
  if (rows.length === 0) throw new Error(`account ${accountId} has no browser session to age`);
  for (const row of rows) {
    const payload = JSON.parse(row.payload) as { loginTs: number };
    payload.loginTs -= seconds;
    await db('oidc_payloads').where({ model: 'Session', id: row.id }).update({ payload: JSON.stringify(payload) });
  }
}

/** Where a stale session's sensitive form is sent: a fresh scan coming back to `returnTo`. */
export function freshScanLocation(scanin: TestScanin, returnTo: string): string {
  return `${scanin.issuer}/account/login?fresh=1&return_to=${encodeURIComponent(returnTo)}`;
}

export const FRESH_SCAN_NOTE = 'You will scan again to confirm';
