// What a phone reads about the browser's place and the request's age (docs/protocol.md §7,
// `browser.place` and `created_at`), against a running Scanin behind a trusted loopback proxy
// (TRUST_PROXY=127.0.0.1 and X-Forwarded-For) so that browsers come from real public addresses.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findLoginRequest } from '../../src/store/loginRequests.ts';
import { TestBrowser } from '../helpers/browser.ts';
import { call, enrollDevice, requestPath, signedRead, type TestDevice } from '../helpers/device.ts';
import { openLoginPage } from '../helpers/login.ts';
import { discover } from '../helpers/rp.ts';
import { startTestScanin, type TestScanin } from '../helpers/scanin.ts';

async function browserAt(scanin: TestScanin, ip: string) {
  return openLoginPage(await discover(scanin.issuer), new TestBrowser(undefined, { 'x-forwarded-for': ip }));
}

describe('browser.place and created_at in a signed read', () => {
  let scanin: TestScanin;
  let off: TestScanin;
  let phone: TestDevice;

  beforeAll(async () => {
    scanin = await startTestScanin({ env: { TRUST_PROXY: '127.0.0.1' } });
    off = await startTestScanin({ env: { TRUST_PROXY: '127.0.0.1', GEOIP_DB: 'off' } });
    phone = await enrollDevice(scanin, 'ann@example.com');
  });
  afterAll(async () => {
    await scanin?.close();
    await off?.close();
  });

  it.each([
    ['193.99.144.80', 'Germany'],
    ['2001:4860:4860::8888', 'United States'],
    ['10.20.30.40', 'Local network'],
    ['fe80::1', 'Local network'],
  ])('a browser at %s is placed in %s', async (ip, place) => {
    const login = await browserAt(scanin, ip);
    const read = await signedRead(scanin, login.rid, phone);
    expect(read.status, read.text).toBe(200);
    expect(read.body.browser).toEqual({ ip, place, user_agent: expect.any(String) });
  });

  it('an address no database knows gets no place field at all', async () => {
    const login = await browserAt(scanin, '192.0.2.44');
    const read = await signedRead(scanin, login.rid, phone);
    expect(Object.keys(read.body.browser as object).sort()).toEqual(['ip', 'user_agent']);
  });

  it('GEOIP_DB=off: no place for a public address; a local one is still said to be local', async () => {
    const offPhone = await enrollDevice(off, 'ann@example.com');
    const read = await signedRead(off, (await browserAt(off, '193.99.144.80')).rid, offPhone);
    expect(read.body.browser).not.toHaveProperty('place');
    const local = await signedRead(off, (await browserAt(off, '192.168.0.9')).rid, offPhone);
    expect(local.body.browser).toMatchObject({ place: 'Local network' });
  });

  it('a forged X-Forwarded-For moves neither the address nor the place: the proxy-appended hop counts', async () => {
    const login = await browserAt(scanin, '193.99.144.80, 8.8.8.8');
    const read = await signedRead(scanin, login.rid, phone);
    expect(read.body.browser).toMatchObject({ ip: '8.8.8.8', place: 'United States' });
  });

  it('an unsigned read (a passer-by with the QR code) learns neither the place nor the age', async () => {
    const login = await browserAt(scanin, '193.99.144.80');
    const read = await call(scanin, 'GET', requestPath(login.rid));
    expect(read.status).toBe(200);
    expect(read.text).not.toContain('Germany');
    expect(read.body).not.toHaveProperty('created_at');
  });

  it('created_at is when the request was made, on the clock of the Date header, which other origins may read', async () => {
    const login = await browserAt(scanin, '193.99.144.80');
    const row = (await findLoginRequest(scanin.services.db, login.rid))!;
    const read = await signedRead(scanin, login.rid, phone, 'GET', { origin: 'https://phone-app.example' });
    expect(read.body.created_at).toBe(row.created_at);
    expect(read.body.expires_at).toBe(row.expires_at);
    const serverNow = Math.floor(Date.parse(String(read.headers.date)) / 1000);
    expect(serverNow).toBeGreaterThanOrEqual(row.created_at);
    expect(row.expires_at - row.created_at).toBe(scanin.config.requestTtl);
    expect(read.headers['access-control-allow-origin']).toBe('*');
    expect(String(read.headers['access-control-expose-headers']).split(/,\s*/)).toContain('Date');
  });
});
