// One full login, as the benchmarks run it, against Scanin and against the bare engine: the
// relying party's authorization request (openid-client, PKCE), the pages, the phone (Scanin) or
// the login and consent forms (bare engine), the redirects back, and the token exchange.
import { join } from 'node:path';
import type * as oidc from 'openid-client';
import { Authenticator } from '../src/authenticator/authenticator.ts';
import { systemClock } from '../src/clock.ts';
import { parseDatabaseUrl } from '../src/config/env.ts';
import { createEnrollment } from '../src/enrollment/enrollments.ts';
import { enrollmentUrl } from '../src/protocol/urls.ts';
import { ensureAccount } from '../src/store/accounts.ts';
import { openDatabase } from '../src/store/db.ts';
import { readLoginPage, TestBrowser } from '../test/helpers/browser.ts';
import { authorizationRequest, redeem } from '../test/helpers/rp.ts';

export type Login = () => Promise<void>;

/** A phone enrolled at `issuer` (the invite is written straight to the database). */
export async function enrolledPhone(issuer: string, databaseUrl: string, dir: string, fetchImpl?: typeof fetch): Promise<Authenticator> {
  const db = openDatabase(parseDatabaseUrl(databaseUrl));
  let url: string;
  try {
    const account = await ensureAccount(db, systemClock, 'bench@example.com', 'Bench Person');
    url = enrollmentUrl(issuer, (await createEnrollment(db, systemClock, account, 'invite', 3600)).eid);
  } finally {
    await db.destroy();
  }
  const phone = new Authenticator({ keysFile: join(dir, 'phone.json'), ...(fetchImpl ? { fetch: fetchImpl } : {}) });
  await phone.enroll(url, { deviceName: 'Bench Phone' });
  return phone;
}

function expectRedirect(page: { status: number; location: string | undefined; body: string }, what: string): string {
  if (page.status !== 303 && page.status !== 302) throw new Error(`${what} answered ${page.status}: ${page.body.slice(0, 200)}`);
  return page.location!;
}

async function finish(config: oidc.Configuration, auth: Awaited<ReturnType<typeof authorizationRequest>>, leftTo: string | undefined, what: string) {
  if (!leftTo) throw new Error(`${what}: the login did not return to the app`);
  const tokens = await redeem(config, leftTo, auth);
  if (!tokens.id_token) throw new Error(`${what}: no ID token`);
  return tokens;
}

/** One QR login, asking for `scope` (and `extra` parameters); the token response. With prompt=consent, the consent page is confirmed. */
export async function scaninTokens(config: oidc.Configuration, issuer: string, phone: Authenticator, scope?: string, extra: Record<string, string> = {}) {
  const browser = new TestBrowser();
  const auth = await authorizationRequest(config, scope, extra);
  const interaction = expectRedirect(await browser.fetch(auth.url), '/auth');
  const page = await browser.fetch(interaction);
  if (page.status !== 200) throw new Error(`the QR page answered ${page.status}: ${page.body.slice(0, 200)}`);
  const answer = await phone.answer(readLoginPage(page.body).qrUrl, 'approve');
  if (answer.status !== 'approved') throw new Error(`the phone's answer: ${answer.status}`);
  let { page: last, leftTo } = await browser.follow(`${interaction}/complete`, issuer);
  if (!leftTo && extra.prompt === 'consent') ({ leftTo } = await browser.follow(expectRedirect(await browser.fetch(`${last.url}/confirm`, { method: 'POST' }), 'the consent form'), issuer));
  return finish(config, auth, leftTo, 'scanin');
}

export function scaninLogin(config: oidc.Configuration, issuer: string, phone: Authenticator): Login {
  return async () => {
    await scaninTokens(config, issuer, phone);
  };
}

export function bareLogin(config: oidc.Configuration, issuer: string): Login {
  return async () => {
    const browser = new TestBrowser();
    const auth = await authorizationRequest(config);
    const login = expectRedirect(await browser.fetch(auth.url), '/auth');
    await browser.fetch(login);
    const resumed = expectRedirect(await browser.fetch(login, { method: 'POST', form: { prompt: 'login', login: 'bench-user', password: 'x' } }), 'the login form');
    const consent = expectRedirect(await browser.fetch(resumed), 'the resumed /auth');
    await browser.fetch(consent);
    const { leftTo } = await browser.follow(expectRedirect(await browser.fetch(consent, { method: 'POST', form: { prompt: 'consent' } }), 'the consent form'), issuer);
    await finish(config, auth, leftTo, 'bare');
  };
}
