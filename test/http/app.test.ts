// HTTP-level behaviour of the device API: CORS for any origin (devices authenticate by
// signature), JSON errors for wrong methods, and HEAD requests that change nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestBrowser } from '../helpers/browser.ts';
import { enrolledPhone, openLoginPage } from '../helpers/login.ts';
import { discover } from '../helpers/rp.ts';
import { startTestScanin, type TestScanin } from '../helpers/scanin.ts';
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

  it('answers a wrong method with 405 and a JSON error', async () => {
    const response = await fetch(`${scanin.issuer}/device/v1/requests/AAAAAAAAAAAAAAAAAAAAAA`, { method: 'DELETE' });
    expect(response.status).toBe(405);
    expect(await response.json()).toMatchObject({ error: 'invalid_request' });
  });

  it('does not mark a request scanned on HEAD', async () => {
    await enrolledPhone(scanin, 'head@example.com');
    const login = await openLoginPage(await discover(scanin.issuer), new TestBrowser());
    const head = await fetch(`${scanin.issuer}/device/v1/requests/${login.rid}`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect((await findLoginRequest(scanin.services.db, login.rid))!.status).toBe('pending');
  });
});
