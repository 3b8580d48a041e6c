// Transaction approval in the web authenticator (docs/protocol.md §19), in headless Chromium: the
// approve screen leads with what the app asks to have approved, in the app's words, and its
// approval signs the details' hash, which the server checks (an approval without it would be
// refused): the app's tokens carry the details. A text the phone cannot read leaves only Deny.
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findLoginRequest } from '../../src/store/loginRequests.ts';
import { launchChromium, PHONE } from '../helpers/chromium.ts';
import { enrollInWebApp } from '../helpers/webApp.ts';
import { completeLogin, openLoginPage } from '../helpers/login.ts';
import { discover, redeem } from '../helpers/rp.ts';
import { startTestScanin, type TestScanin } from '../helpers/scanin.ts';
import { asked, PAYMENT, SHOP, TRANSACTION_CLIENTS } from '../helpers/transactions.ts';

let scanin: TestScanin;
let browser: Browser;
let app: Page;

beforeAll(async () => {
  scanin = await startTestScanin({ clients: TRANSACTION_CLIENTS });
  browser = await launchChromium();
  app = await (await browser.newContext(PHONE)).newPage();
  await enrollInWebApp(app, scanin, 'tia@example.com');
}, 90_000);

afterAll(async () => {
  await browser?.close();
  await scanin?.close();
});

describe('transaction approval in the web app', () => {
  it('shows the description first and approves with the hash: the tokens carry the details', async () => {
    const shop = await discover(scanin.issuer, SHOP);
    const login = await openLoginPage(shop, undefined, asked());
    await app.goto(login.qrUrl);
    await app.locator('#transaction').waitFor();
    expect(await app.locator('h1').textContent()).toBe('Approve for ACME Shop?');
    expect(await app.locator('#transaction').textContent()).toBe('ACME Shop asks you to approve:Pay 120 EUR to ACME');
    await app.locator('#approve').tap();
    await app.locator('#result-title').waitFor();
    expect(await app.locator('#result-title').textContent()).toBe('Approved');
    expect((await redeem(shop, await completeLogin(scanin, login), login.auth)).authorization_details).toEqual(PAYMENT);
  }, 90_000);

  it('offers only Deny when the details cannot be read', async () => {
    const shop = await discover(scanin.issuer, SHOP);
    const login = await openLoginPage(shop, undefined, asked());
    // As a broken or hostile server would send it: not an array of described entries.
    await scanin.services.db('login_requests').where({ rid: login.rid }).update({ authorization_details: '{"type":"payment_initiation"}' });
    await app.goto(login.qrUrl);
    await app.locator('#transaction').waitFor();
    expect(await app.locator('#transaction').textContent()).toContain('cannot show');
    expect(await app.locator('#approve').count()).toBe(0);
    await app.locator('#deny').tap();
    await app.locator('#result-title').waitFor();
    expect((await findLoginRequest(scanin.services.db, login.rid))!.status).toBe('denied');
  }, 90_000);
});
