// HTTP-level behaviour of the device API: CORS for any origin (devices authenticate by
// signature), JSON errors for wrong methods, and HEAD requests that change nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestBrowser } from '../helpers/browser.ts';
import { enrolledPhone, openLoginPage } from '../helpers/login.ts';
import { discover } from '../helpers/rp.ts';
import { startTestScanin, type TestScanin } from '../helpers/scanin.ts';
import { signedRead } from '../helpers/device.ts';
import { findLoginRequest } from '../../src/store/loginRequests.ts';

describe('the device API over HTTP', () => {
  let scanin: TestScanin;

  beforeAll(async () => {
    scanin = await startTestScanin();
  });
  afterAll(async () => {
    await scanin?.close();
  });

  it('answers a CORS preflight from any origin, so a web authenticator elsewhere can post', async () => {
    const response = await fetch(`${scanin.issuer}/device/v1/requests/AAAAAAAAAAAAAAAAAAAAAA`, {
      method: 'OPTIONS',
      headers: { origin: 'https://authenticator.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
    });
    expect(response.status).toBe(204);
    expect(response.headers.get('access-control-allow-origin')).toBe('*');
    expect(response.headers.get('access-control-allow-methods')).toContain('POST');
  });

  it('forbids caching of device API answers, which carry one-time challenges', async () => {
    await enrolledPhone(scanin, 'cache@example.com');
    const login = await openLoginPage(await discover(scanin.issuer), new TestBrowser());
    const response = await fetch(`${scanin.issuer}/device/v1/requests/${login.rid}`);
    expect(response.status).toBe(200); // the public view of an unsigned read
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect((await fetch(`${scanin.issuer}/device/v1/requests/unknown-rid-unknown-rid`)).headers.get('cache-control')).toBe('no-store');
  });

  it.each(['PUT', 'DELETE', 'PATCH'])('answers %s on a device endpoint with 405, an Allow header and a JSON error', async (method) => {
    for (const path of ['/device/v1/requests/AAAAAAAAAAAAAAAAAAAAAA', '/device/v1/enrollments/AAAAAAAAAAAAAAAAAAAAAA']) {
      const response = await fetch(`${scanin.issuer}${path}`, { method });
      expect(response.status).toBe(405);
      expect(response.headers.get('allow')).toBe('GET, HEAD, POST');
      expect(response.headers.get('content-type')).toContain('application/json');
      expect(await response.json()).toMatchObject({ error: 'invalid_request' });
    }
  });

  it('answers OPTIONS without Access-Control-Request-Method (no preflight) with 405 JSON and Allow', async () => {
    const response = await fetch(`${scanin.issuer}/device/v1/requests/AAAAAAAAAAAAAAAAAAAAAA`, { method: 'OPTIONS' });
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('GET, HEAD, POST');
    expect(response.headers.get('content-type')).toContain('application/json');
    expect(await response.json()).toMatchObject({ error: 'invalid_request' });
    const withOrigin = await fetch(`${scanin.issuer}/device/v1/enrollments/AAAAAAAAAAAAAAAAAAAAAA`, { method: 'OPTIONS', headers: { origin: 'https://authenticator.example' } });
    expect(withOrigin.status).toBe(405);
    expect(await withOrigin.json()).toMatchObject({ error: 'invalid_request' });
  });

  it('answers a wrong method on a page with 405, an Allow header and a readable page', async () => {
    const response = await fetch(`${scanin.issuer}/q/AAAAAAAAAAAAAAAAAAAAAA`, { method: 'POST', headers: { accept: 'text/html' } });
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('GET, HEAD');
    expect(response.headers.get('content-type')).toContain('text/html');
  });

  it('shows the phone the address the browser connected from, ignoring X-Forwarded-For unless TRUST_PROXY is on', async () => {
    const forwarded = new TestBrowser(undefined, { 'x-forwarded-for': '203.0.113.7' });
    const direct = await openLoginPage(await discover(scanin.issuer), forwarded);
    expect((await findLoginRequest(scanin.services.db, direct.rid))!.browser_ip).toBe('127.0.0.1');

    const proxied = await startTestScanin({ env: { TRUST_PROXY: 'true' } });
    try {
      const login = await openLoginPage(await discover(proxied.issuer), new TestBrowser(undefined, { 'x-forwarded-for': '203.0.113.7' }));
      expect((await findLoginRequest(proxied.services.db, login.rid))!.browser_ip).toBe('203.0.113.7');
    } finally {
      await proxied.close();
    }
  });

  it('does not mark a request scanned on HEAD, signed or not', async () => {
    await enrolledPhone(scanin, 'head@example.com');
    const login = await openLoginPage(await discover(scanin.issuer), new TestBrowser());
    const head = await fetch(`${scanin.issuer}/device/v1/requests/${login.rid}`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect((await signedRead(scanin, login.rid, undefined, 'HEAD')).status).toBe(200);
    expect((await findLoginRequest(scanin.services.db, login.rid))!.status).toBe('pending');
  });
});
