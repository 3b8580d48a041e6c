// Login relay (QRLJacking) and what a reader of a QR code learns, against a running Scanin.
// The attacker's browser is at 203.0.113.50 and the victim's phone at 198.51.100.23, both
// through a trusted loopback proxy (TRUST_PROXY=127.0.0.1 and X-Forwarded-For).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findLoginRequest } from '../../src/store/loginRequests.ts';
import { TestBrowser } from '../helpers/browser.ts';
import { call, enrollDevice, requestPath, signedRead, type TestDevice } from '../helpers/device.ts';
import { openEvents, openLoginPage, shownNumber } from '../helpers/login.ts';
import { discover } from '../helpers/rp.ts';
import { startTestScanin, type TestScanin } from '../helpers/scanin.ts';

const ATTACKER = '203.0.113.50';
const VICTIM_PHONE = '198.51.100.23';

describe('a relayed QR code', () => {
  let scanin: TestScanin;
  let victim: TestDevice;

  beforeAll(async () => {
    scanin = await startTestScanin({ env: { TRUST_PROXY: '127.0.0.1', NUMBER_MATCHING: 'true' } });
    victim = await enrollDevice(scanin, 'victim@example.com');
  });
  afterAll(async () => {
    await scanin?.close();
  });

  it("gives the attacker's script no number to pass on: not in /status, not in the event stream", async () => {
    const login = await openLoginPage(await discover(scanin.issuer), new TestBrowser(undefined, { 'x-forwarded-for': ATTACKER }));
    const events = await openEvents(login);
    expect((await signedRead(scanin, login.rid, victim, 'GET', { 'x-forwarded-for': VICTIM_PHONE })).status).toBe(200);
    expect(await events.next()).toEqual({ type: 'scanned', data: {} });
    const status = JSON.parse((await login.browser.fetch(`${login.interactionUrl}/status`, { accept: 'application/json' })).body) as Record<string, unknown>;
    expect(status.status).toBe('scanned');
    expect(JSON.stringify(status)).not.toMatch(/"number"/);
    // Only the page a person looks at shows it.
    expect(await shownNumber(login)).toBe((await findLoginRequest(scanin.services.db, login.rid))!.match_number);
    events.close();
  });

  it('is flagged to the victim: answered from another network than the browser that shows it', async () => {
    const login = await openLoginPage(await discover(scanin.issuer), new TestBrowser(undefined, { 'x-forwarded-for': ATTACKER }));
    const read = await signedRead(scanin, login.rid, victim, 'GET', { 'x-forwarded-for': VICTIM_PHONE });
    expect(read.body.browser).toMatchObject({ ip: ATTACKER });
    expect(read.body.proximity).toEqual({ browser_ip: ATTACKER, device_ip: VICTIM_PHONE, same_network: false });

    const nearby = await openLoginPage(await discover(scanin.issuer), new TestBrowser(undefined, { 'x-forwarded-for': '2001:db8:5:6::10' }));
    const same = await signedRead(scanin, nearby.rid, victim, 'GET', { 'x-forwarded-for': '2001:db8:5:6:aaaa::77' });
    expect(same.body.proximity).toMatchObject({ same_network: true });
  });

  it('cannot be given a forged browser IP through X-Forwarded-For: free text never reaches the phone', async () => {
    const forged = 'Your office, all is fine '.repeat(12);
    const login = await openLoginPage(await discover(scanin.issuer), new TestBrowser(undefined, { 'x-forwarded-for': forged }));
    expect((await findLoginRequest(scanin.services.db, login.rid))!.browser_ip).toBe('127.0.0.1');
    const spoofed = await openLoginPage(await discover(scanin.issuer), new TestBrowser(undefined, { 'x-forwarded-for': `10.0.0.1, ${ATTACKER}` }));
    // The proxy appended the real address last; what the client put first is ignored.
    expect((await findLoginRequest(scanin.services.db, spoofed.rid))!.browser_ip).toBe(ATTACKER);
  });

  it('tells a passer-by who photographed the QR code nothing about the browser, and marks nothing', async () => {
    const login = await openLoginPage(await discover(scanin.issuer), new TestBrowser('Mozilla/5.0 Secret Laptop', { 'x-forwarded-for': ATTACKER }));
    const read = await call(scanin, 'GET', requestPath(login.rid));
    expect(read.status).toBe(200);
    expect(Object.keys(read.body).sort()).toEqual(['act', 'client', 'expires_at', 'issuer', 'rid']);
    expect(read.text).not.toContain(ATTACKER);
    expect(read.text).not.toContain('Secret Laptop');
    expect((await findLoginRequest(scanin.services.db, login.rid))!.status).toBe('pending');
  });

  it("cleans the browser's user agent before the phone shows it", async () => {
    const login = await openLoginPage(await discover(scanin.issuer), new TestBrowser('Firefox\u0085Evil\u00ad on Linux'));
    const read = await signedRead(scanin, login.rid, victim);
    expect(read.body.browser).toMatchObject({ user_agent: 'Firefox Evil on Linux' });
  });
});
