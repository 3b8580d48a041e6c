// /metrics: Prometheus text from prom-client, readable only with METRICS_TOKEN as a Bearer token
// (404 without the variable). Scraped after real logins, the counters say what happened.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Authenticator } from '../../src/authenticator/authenticator.ts';
import { completeLogin, enrolledPhone, openEvents, openLoginPage } from '../helpers/login.ts';
import { discover, redeem } from '../helpers/rp.ts';
import { PUBLIC_CLIENT, RP_REDIRECT, startTestScanin, type TestScanin } from '../helpers/scanin.ts';

const TOKEN = 'metrics-token-that-is-long-enough-0123456789';

async function scrape(scanin: TestScanin, authorization = `Bearer ${TOKEN}`): Promise<{ status: number; text: string; type: string | null; headers: Headers }> {
  const response = await fetch(`${scanin.issuer}/metrics`, { headers: { authorization, accept: 'application/json' } });
  return { status: response.status, text: await response.text(), type: response.headers.get('content-type'), headers: response.headers };
}

/** The value of one sample, e.g. `scanin_logins_total{outcome="approved"}`; 0 when absent. */
function sample(text: string, name: string): number {
  const line = text.split('\n').find((entry) => entry.startsWith(`${name} `));
  return line ? Number(line.slice(name.length + 1)) : 0;
}

describe('/metrics', () => {
  let scanin: TestScanin;
  let phone: Authenticator;

  beforeAll(async () => {
    scanin = await startTestScanin({ env: { METRICS_TOKEN: TOKEN, RATE_LIMITS: 'logout_ip=1/3600' } });
    phone = await enrolledPhone(scanin, 'metrics@example.com');
  });
  afterAll(async () => {
    await scanin?.close();
  });

  it('is refused without the token, with a wrong one, and with another scheme, and says how to ask', async () => {
    for (const authorization of ['', `Bearer ${TOKEN}x`, `Basic ${Buffer.from(`x:${TOKEN}`).toString('base64')}`, `Bearer ${TOKEN.slice(0, -1)}`]) {
      const answer = await scrape(scanin, authorization);
      expect(answer.status, authorization).toBe(401);
      expect(answer.headers.get('www-authenticate')).toBe('Bearer realm="metrics"');
      expect(JSON.parse(answer.text)).toMatchObject({ error: 'invalid_token' });
      expect(answer.text).not.toContain('scanin_');
    }
  });

  it('counts logins by outcome, approvals reaching the browser, open streams, token requests and rate-limit trips', async () => {
    const before = (await scrape(scanin)).text;
    const config = await discover(scanin.issuer);

    // Two approved logins, each with its browser waiting on the stream, redeemed for tokens.
    for (let i = 0; i < 2; i++) {
      const login = await openLoginPage(config);
      const events = await openEvents(login);
      expect(sample((await scrape(scanin)).text, 'scanin_event_streams_open')).toBe(1);
      await phone.answer(login.qrUrl, 'approve');
      expect((await events.next()).type).toBe('scanned');
      expect((await events.next()).type).toBe('approved');
      events.close();
      await redeem(config, await completeLogin(scanin, login), login.auth);
    }
    // One denied.
    const denied = await openLoginPage(config);
    await phone.answer(denied.qrUrl, 'deny');
    // One token request with a code that does not exist.
    const refused = await fetch(config.serverMetadata().token_endpoint!, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'authorization_code', code: 'not-a-real-code', client_id: PUBLIC_CLIENT, redirect_uri: RP_REDIRECT, code_verifier: 'v'.repeat(43) }),
    });
    expect(((await refused.json()) as { error: string }).error).toBe('invalid_grant');
    // A second logout from this address passes logout_ip=1/3600.
    for (let i = 0; i < 2; i++) await fetch(`${scanin.issuer}/session/end`, { redirect: 'manual' });

    const after = await scrape(scanin);
    expect(after.status).toBe(200);
    expect(after.type).toContain('text/plain');
    const delta = (name: string) => sample(after.text, name) - sample(before, name);
    expect(delta('scanin_logins_total{outcome="approved"}')).toBe(2);
    expect(delta('scanin_logins_total{outcome="denied"}')).toBe(1);
    expect(delta('scanin_approve_to_browser_seconds_count')).toBe(2);
    expect(sample(after.text, 'scanin_event_streams_open')).toBe(0);
    expect(delta('scanin_token_requests_total{grant_type="authorization_code",outcome="success"}')).toBe(2);
    expect(delta('scanin_token_requests_total{grant_type="authorization_code",outcome="invalid_grant"}')).toBe(1);
    expect(delta('scanin_rate_limit_trips_total{rule="logout_ip"}')).toBe(1);
    // Node's own process metrics come along.
    expect(after.text).toContain('scanin_process_cpu_user_seconds_total');
  });
});

describe('/metrics without METRICS_TOKEN', () => {
  let scanin: TestScanin;
  beforeAll(async () => {
    scanin = await startTestScanin();
  });
  afterAll(async () => {
    await scanin?.close();
  });

  it('does not exist, whatever is sent', async () => {
    expect((await scrape(scanin)).status).toBe(404);
    expect((await scrape(scanin, '')).status).toBe(404);
  });
});
