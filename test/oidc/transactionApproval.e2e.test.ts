// Transaction approval (RFC 9396 authorization_details) as a relying party, a phone and an API
// see it: the phone is shown each detail's description and signs the details' hash (adh) in its
// answer; the token response and the access token (a JWT for the API named by `resource`) carry
// exactly the approved details. An answer without the hash, with another
// hash, or with a hash for a request that has no details is refused and changes nothing; a
// browser session never approves a transaction; details the client may not send, or without a
// description, stop at the authorization endpoint.
import { createPublicKey, verify, type JsonWebKey } from 'node:crypto';
import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authorizationDetailsHash } from '../../src/protocol/authorizationDetails.ts';
import { findLoginRequest } from '../../src/store/loginRequests.ts';
import { TestBrowser } from '../helpers/browser.ts';
import { answerLogin, enrollDevice, expectError, expectRequestOpen, loginAssertion, signedRead, type TestDevice } from '../helpers/device.ts';
import { completeLogin, enrolledPhone, openLoginPage } from '../helpers/login.ts';
import { authorizationRequest, discover, redeem } from '../helpers/rp.ts';
import { startTestScanin, type TestScanin } from '../helpers/scanin.ts';
import { API, asked, PAYMENT, SHOP, TRANSACTION_CLIENTS } from '../helpers/transactions.ts';
import type { Authenticator } from '../../src/authenticator/authenticator.ts';

describe('transaction approval (authorization_details)', () => {
  let scanin: TestScanin;
  let phone: Authenticator;
  let device: TestDevice;

  beforeAll(async () => {
    scanin = await startTestScanin({ clients: TRANSACTION_CLIENTS });
    phone = await enrolledPhone(scanin, 'pia@example.com');
    device = await enrollDevice(scanin, 'dan@example.com');
  });
  afterAll(async () => {
    await scanin?.close();
  });

  /** A browser on the QR page of the shop asking for `params`, the phone having read the request. */
  async function shopLogin(params: Record<string, string> = asked(), browser = new TestBrowser()) {
    const login = await openLoginPage(await discover(scanin.issuer, SHOP), browser, params);
    const read = await signedRead(scanin, login.rid, device);
    expect(read.status, read.text).toBe(200);
    return { ...login, read: read.body, challenge: (await findLoginRequest(scanin.services.db, login.rid))!.challenge };
  }

  it('shows the phone the details, and the token response, and the JWT access token for the API carry what it approved', async () => {
    const shop = await discover(scanin.issuer, SHOP);
    const login = await openLoginPage(shop, new TestBrowser(), asked());
    const request = await phone.fetchLoginRequest(login.qrUrl);
    expect(request.transactions).toEqual([{ type: 'payment_initiation', description: 'Pay 120 EUR to ACME' }]);
    expect(JSON.parse(request.authorization_details!)).toEqual(PAYMENT);
    await phone.answerRequest(request, 'approve');

    const tokens = await redeem(shop, await completeLogin(scanin, login), login.auth);
    expect(tokens.authorization_details).toEqual(PAYMENT);
    // The API checks the JWT itself, with the issuer's published keys (RFC 9068): the engine
    // introspects opaque tokens only.
    const [header, payload, signature] = tokens.access_token.split('.') as [string, string, string];
    const { kid, alg, typ } = JSON.parse(Buffer.from(header, 'base64url').toString()) as { kid: string; alg: string; typ: string };
    expect({ alg, typ }).toEqual({ alg: 'RS256', typ: 'at+jwt' });
    const { keys } = (await (await fetch(`${scanin.issuer}/jwks`)).json()) as { keys: Array<JsonWebKey & { kid: string }> };
    const key = createPublicKey({ key: keys.find((candidate) => candidate.kid === kid)!, format: 'jwk' });
    expect(verify('sha256', Buffer.from(`${header}.${payload}`), key, Buffer.from(signature, 'base64url'))).toBe(true);
    expect(JSON.parse(Buffer.from(payload, 'base64url').toString())).toMatchObject({ iss: scanin.issuer, aud: API, client_id: SHOP, scope: 'payments', authorization_details: PAYMENT });
  });

  it('the signed read gives the details as the JSON text whose SHA-256 the answer signs; the unsigned read does not show them', async () => {
    const login = await shopLogin();
    expect(typeof login.read.authorization_details).toBe('string');
    expect(JSON.parse(login.read.authorization_details as string)).toEqual(PAYMENT);
    const unsigned = await fetch(`${scanin.issuer}/device/v1/requests/${login.rid}`).then((response) => response.json() as Promise<Record<string, unknown>>);
    expect(unsigned.authorization_details).toBeUndefined();
    const adh = authorizationDetailsHash(login.read.authorization_details as string);
    expect((await answerLogin(scanin, login.rid, loginAssertion(scanin, device, login, { adh }))).body).toEqual({ status: 'approved' });
  });

  it.each([
    ['without adh', {}],
    ['with the hash of other details', { adh: authorizationDetailsHash(JSON.stringify([{ ...PAYMENT[0], description: 'Pay 12000 EUR to ACME' }])) }],
    ['with the hash in hexadecimal', { adh: 'ab'.repeat(32) }],
    ['with adh as a number', { adh: 1 }],
  ])('refuses an approval %s (invalid_assertion) and the request stays open for the right one', async (_label, claims) => {
    const login = await shopLogin();
    expectError(await answerLogin(scanin, login.rid, loginAssertion(scanin, device, login, claims)), 401, 'invalid_assertion');
    await expectRequestOpen(scanin, login.rid);
    const adh = authorizationDetailsHash(login.read.authorization_details as string);
    expect((await answerLogin(scanin, login.rid, loginAssertion(scanin, device, login, { adh, decision: 'deny' }))).body).toEqual({ status: 'denied' });
  });

  it('refuses adh in an answer to a request that has no details', async () => {
    const login = await shopLogin({});
    expect(login.read.authorization_details).toBeUndefined();
    const answer = await answerLogin(scanin, login.rid, loginAssertion(scanin, device, login, { adh: authorizationDetailsHash('[]') }));
    expectError(answer, 401, 'invalid_assertion');
    expect(answer.body.error_description).toContain('adh');
    await expectRequestOpen(scanin, login.rid);
  });

  it('a signed-in browser still gets the QR code for a transaction: a session never approves one', async () => {
    const browser = new TestBrowser();
    const shop = await discover(scanin.issuer, SHOP);
    const first = await openLoginPage(shop, browser);
    await phone.answer(first.qrUrl, 'approve');
    await completeLogin(scanin, first);
    // Without details the session is reused at once.
    const plain = await browser.follow((await authorizationRequest(shop)).url, scanin.issuer);
    expect(plain.leftTo).toContain('code=');
    // With details, openLoginPage insists on landing on the QR page.
    const again = await openLoginPage(shop, browser, asked());
    await phone.answer(again.qrUrl, 'approve');
    expect((await redeem(shop, await completeLogin(scanin, again), again.auth)).authorization_details).toEqual(PAYMENT);
  });

  it.each([
    ['a type no client may send', [{ type: 'account_information', description: 'Read your balance' }], 'unsupported authorization details type'],
    ['no description', [{ type: 'payment_initiation', instructedAmount: { currency: 'EUR', amount: '1.00' } }], 'description'],
    ['an empty description', [{ type: 'payment_initiation', description: '' }], 'description'],
    ['a description with a right-to-left override', [{ type: 'payment_initiation', description: 'Pay 021\u202E EUR' }], 'plain text'],
    ['a description on two lines', [{ type: 'payment_initiation', description: 'Pay 120 EUR\nto ACME' }], 'plain text'],
    ['a description of 201 characters', [{ type: 'payment_initiation', description: 'x'.repeat(201) }], 'at most 200'],
    ['an object instead of an array', { type: 'payment_initiation', description: 'Pay' }, 'array'],
  ])('refuses %s at the authorization endpoint (invalid_authorization_details), before any QR code', async (_label, details, says) => {
    const shop = await discover(scanin.issuer, SHOP);
    const auth = await authorizationRequest(shop, 'openid', asked(details));
    const { leftTo } = await new TestBrowser().follow(auth.url, scanin.issuer);
    const error = new URL(leftTo!).searchParams;
    expect(error.get('error')).toBe('invalid_authorization_details');
    expect(error.get('error_description')).toContain(says);
  });

  it.each([
    ['a resource no API is registered at', { resource: 'https://elsewhere.example.com/' }],
    ['no resource', { resource: undefined }],
  ])('refuses %s with the details (invalid_target)', async (_label, resource) => {
    const shop = await discover(scanin.issuer, SHOP);
    const params: Record<string, string> = { ...asked(), ...resource } as Record<string, string>;
    if (resource.resource === undefined) delete params.resource;
    const auth = await authorizationRequest(shop, 'openid', params);
    const { leftTo } = await new TestBrowser().follow(auth.url, scanin.issuer);
    expect(new URL(leftTo!).searchParams.get('error')).toBe('invalid_target');
  });

  it('refuses details in a device authorization request (RFC 8628): only a QR sign-in shows them to the phone', async () => {
    const answer = await fetch(`${scanin.issuer}/device_authorization`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ client_id: 'shop-tv', ...asked() }),
    });
    expect(answer.status).toBe(400);
    expect(await answer.json()).toMatchObject({ error: 'invalid_authorization_details', error_description: expect.stringContaining('authorization code flow only') });
  });

  it('a refresh keeps the approved details, and a token request cannot change them', async () => {
    const shop = await discover(scanin.issuer, SHOP);
    const browser = new TestBrowser();
    const login = await openLoginPage(shop, browser, { ...asked(), scope: 'openid offline_access payments', prompt: 'consent' });
    await phone.answer(login.qrUrl, 'approve');
    const consent = await browser.follow(`${login.interactionUrl}/complete`, scanin.issuer);
    expect(consent.leftTo).toBeUndefined();
    const confirmed = await browser.fetch(`${consent.page.url}/confirm`, { method: 'POST' });
    const { leftTo } = await browser.follow(confirmed.location!, scanin.issuer);
    const tokens = await redeem(shop, leftTo!, login.auth);
    expect(tokens.refresh_token).toBeTruthy();

    const refreshed = await oidc.refreshTokenGrant(shop, tokens.refresh_token!);
    expect(refreshed.authorization_details).toEqual(PAYMENT);
    const changed = JSON.stringify([{ ...PAYMENT[0], description: 'Pay 12000 EUR to ACME' }]);
    await expect(oidc.refreshTokenGrant(shop, refreshed.refresh_token!, { authorization_details: changed, resource: API })).rejects.toMatchObject({ error: 'invalid_authorization_details' });
  });
});
