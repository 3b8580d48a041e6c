// The browser's event stream over a whole interaction: a fresh QR code when the shown one
// expires, a keep-alive comment every 15 s, `expired` when the interaction itself ends, and an
// answer it missed when the shown code runs out.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { answerLoginRequest } from '../../src/store/loginRequests.ts';
import { openEvents, openLoginPage } from '../helpers/login.ts';
import { discover } from '../helpers/rp.ts';
import { startTestScanin, type TestScanin } from '../helpers/scanin.ts';

describe('the event stream of a login that nobody answers', () => {
  let scanin: TestScanin;

  beforeAll(async () => {
    scanin = await startTestScanin({ env: { REQUEST_TTL: '10', INTERACTION_TTL: '20' } });
  });
  afterAll(async () => {
    await scanin?.close();
  });

  it('replaces the QR code, keeps the connection alive, then says expired and ends', { timeout: 40_000 }, async () => {
    const login = await openLoginPage(await discover(scanin.issuer));
    const events = await openEvents(login);

    const qr = await events.next(15_000);
    expect(qr.type).toBe('qr');
    expect(qr.data.rid).not.toBe(login.rid);
    expect(qr.data.url).toBe(`${scanin.issuer}/q/${qr.data.rid}`);
    expect(qr.data.svg).toMatch(/^<svg/);

    expect(await events.next(15_000)).toEqual({ type: 'expired', data: {} });
    expect(events.comments).toBeGreaterThanOrEqual(1);
    await expect(events.next(2_000)).rejects.toThrow('the event stream ended');

    const status = await login.browser.fetch(`${login.interactionUrl}/status`, { accept: 'application/json' });
    expect(status.status).toBe(400);
  });

  it('tells the browser of an answer it was not woken for (another instance) when the QR code runs out', { timeout: 20_000 }, async () => {
    const login = await openLoginPage(await discover(scanin.issuer));
    const events = await openEvents(login);
    // An approval written straight to the database: no event on this instance's bus.
    expect(await answerLoginRequest(scanin.services.db, login.rid, { status: 'approved', device_id: 'elsewhere', account_id: 'someone' }, scanin.services.clock())).toBe(true);
    expect(await events.next(15_000)).toEqual({ type: 'approved', data: { complete_url: `/interaction/${login.uid}/complete`, account: expect.any(String) } });
  });
});
