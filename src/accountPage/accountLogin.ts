// Signing in to the account page: a real OIDC login through the engine, as the account page's
// own client (accountClient.ts), so the person gets the normal QR page.
//   GET /account/login?return_to=/account…   starts it: state and PKCE verifier in a signed,
//                                             httpOnly cookie scoped to the callback, then /auth
//       &fresh=1                              a fresh scan (freshScan.ts): a signed-in browser
//                                             whose last scan is not recent signs in again,
//                                             prompt=login, for its own account only
//   GET /account/callback?code&state          the engine sends the browser back here; the code
//                                             is checked and used up in-process (no HTTP call
//                                             to the public issuer, which may be unreachable
//                                             from inside), then on to return_to
// What the page then reads is the engine session that login created (accountSession.ts).
import { createHash } from 'node:crypto';
import type Router from '@koa/router';
import Cookies from 'cookies';
import type { Context } from 'koa';
import { recordAudit } from '../audit/audit.ts';
import { clientIp } from '../http/ip.ts';
import { newChallenge, newId } from '../ids.ts';
import { ProtocolError } from '../protocol/errors.ts';
import type { Services } from '../services.ts';
import { ACCOUNT_CLIENT_ID, accountCallbackUrl } from './accountClient.ts';
import { currentAccountSession } from './accountSession.ts';

const LOGIN_COOKIE = 'scanin_account_login';

/**
 * The pages a sign-in may come back to: the account page, the admin console (src/admin) and their
 * sub-pages (no `.` or `..` segment), maybe at a section (`#devices`), nothing else.
 */
const RETURN_PATH = /^\/(?:account|admin)(?:\/(?!\.\.?(?:\/|$))[A-Za-z0-9._~-]+)*(?:#[a-z][a-z-]{0,31})?$/;

export function safeReturnPath(value: unknown): string {
  return typeof value === 'string' && RETURN_PATH.test(value) && value.length <= 200 ? value : '/account';
}

/** `account`: the account a fresh scan must be approved by ('-' for a first sign-in). */
type PendingLogin = { state: string; verifier: string; returnTo: string; account: string };

function loginCookies(ctx: Context, services: Services): Cookies {
  // Signed with the cookie keys the engine uses (persisted, shared by every instance).
  return new Cookies(ctx.req, ctx.res, { keys: services.provider.keys as string[], secure: ctx.secure });
}

function cookieOptions(ctx: Context, services: Services): Cookies.SetOption {
  return { path: `${services.basePath}/account/callback`, httpOnly: true, sameSite: 'lax', signed: true, secure: ctx.secure, overwrite: true };
}

function readPendingLogin(cookies: Cookies): PendingLogin | null {
  const value = cookies.get(LOGIN_COOKIE, { signed: true });
  const [state, verifier, returnTo, account] = value?.split(' ') ?? [];
  if (!state || !verifier || !returnTo || !account) return null;
  return { state, verifier, returnTo: safeReturnPath(decodeURIComponent(returnTo)), account };
}

const loginFailed = (status: number, message: string) => new ProtocolError(status, 'access_denied', message);
const START_AGAIN = 'Open your account page again to sign in.';

export function mountAccountLogin(router: Router, services: Services): void {
  const { db, provider } = services;

  router.get('/account/login', async (ctx) => {
    const returnTo = safeReturnPath(ctx.query.return_to);
    ctx.set('Cache-Control', 'no-store');
    ctx.status = 303;
    const session = await currentAccountSession(ctx, services);
    const rescan = session !== null && ctx.query.fresh === '1' && !session.fresh;
    if (session && !rescan) return ctx.redirect(`${services.basePath}${returnTo}`);
    const login: PendingLogin = { state: newId(), verifier: newChallenge(), returnTo, account: rescan ? session.account.id : '-' };
    loginCookies(ctx, services).set(LOGIN_COOKIE, `${login.state} ${login.verifier} ${encodeURIComponent(returnTo)} ${login.account}`, {
      ...cookieOptions(ctx, services),
      // As long as the sign-in it waits for can last.
      maxAge: (services.config.interactionTtl + 60) * 1000,
    });
    const params = new URLSearchParams({
      client_id: ACCOUNT_CLIENT_ID,
      response_type: 'code',
      scope: 'openid',
      redirect_uri: accountCallbackUrl(services.issuer),
      state: login.state,
      code_challenge: createHash('sha256').update(login.verifier).digest('base64url'),
      code_challenge_method: 'S256',
    });
    if (rescan) {
      // Sign in again even though signed in (prompt=login), and only as this account: a
      // login_hint is an expectation nothing on the QR page lifts, so another account's phone
      // gets 403 wrong_account (login/expectedAccount.ts).
      params.set('prompt', 'login');
      params.set('login_hint', session.account.email);
    }
    // pathFor includes the issuer's path already.
    ctx.redirect(`${provider.pathFor('authorization')}?${params}`);
  });

  router.get('/account/callback', async (ctx) => {
    ctx.set('Cache-Control', 'no-store');
    const cookies = loginCookies(ctx, services);
    const pending = readPendingLogin(cookies);
    // Used once, whatever happens next.
    cookies.set(LOGIN_COOKIE, null, cookieOptions(ctx, services));
    if (!pending || ctx.query.state !== pending.state) {
      throw loginFailed(400, `This sign-in has expired, was already used, or was started in another browser. ${START_AGAIN}`);
    }
    if (ctx.query.error !== undefined) {
      const denied = ctx.query.error === 'access_denied';
      throw loginFailed(denied ? 403 : 400, denied ? `The sign-in was cancelled or denied. ${START_AGAIN}` : `The sign-in did not finish. ${START_AGAIN}`);
    }
    const value = ctx.query.code;
    const code = typeof value === 'string' && value.length <= 256 ? await provider.AuthorizationCode.find(value) : undefined;
    // The code must be this client's, for this callback, for this verifier, and for the session
    // this very browser now holds: a code from another browser or sign-in gets nothing.
    const session = await currentAccountSession(ctx, services);
    const valid = code
      && code.clientId === ACCOUNT_CLIENT_ID
      && code.redirectUri === accountCallbackUrl(services.issuer)
      && code.codeChallengeMethod === 'S256'
      && code.codeChallenge === createHash('sha256').update(pending.verifier).digest('base64url')
      && !(code as unknown as { consumed?: number }).consumed
      && session !== null
      && code.sessionUid === session.sessionUid
      && code.accountId === session.account.id
      // A fresh scan comes back for the account that asked for it, or not at all.
      && (pending.account === '-' || pending.account === session.account.id);
    // Using the code up is one atomic delete: of two requests racing with it, one wins.
    if (!valid || (await db('oidc_payloads').where({ model: 'AuthorizationCode', id: code.jti }).delete()) !== 1) {
      throw loginFailed(400, `This sign-in could not be completed. ${START_AGAIN}`);
    }
    await recordAudit(services, {
      event: 'account_page.signed_in', account_id: session.account.id, device_id: session.deviceId, ip: clientIp(ctx), client_id: ACCOUNT_CLIENT_ID,
      ...(pending.account === '-' ? {} : { detail: { fresh_scan: true } }),
    });
    ctx.status = 303;
    ctx.redirect(`${services.basePath}${pending.returnTo}`);
  });
}
