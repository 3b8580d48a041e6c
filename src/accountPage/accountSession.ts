// Who is signed in to the account page, and the rules every account-page request follows.
//
// The account page's session IS the engine's browser session (the `_session` cookie, a Session
// row in oidc_payloads), the one every QR login creates: so it lives in the database (restarts,
// several instances), and whatever ends that row ends the account page too — revoking the
// device that approved it, disabling the account (accounts/cutOff.ts), "sign out" and "sign out
// everywhere" here, `scanin sessions end`, and the engine's own logout.
//
// For other parts of the page (adding a device, recovery codes):
//   router.get('/account/x', requireAccountSession(services), async (ctx) => {
//     const session = accountSessionOf(ctx);            // account, sessionUid, deviceId, csrfToken
//     await renderAccountView(ctx, 'account-x', { ... }); // passes csrfToken and account along
//   });
//   router.post('/account/x', requireAccountSession(services), async (ctx) => {
//     const form = await readAccountForm(ctx, services);  // CSRF checked, rate-limited, fields as strings
//   });
// Every POST form carries `<input type="hidden" name="csrf" value="<%= csrfToken %>">`.
// A POST that hands the account to someone or takes it from its owner for good also puts
// requireFreshScan(services, '<where its form is>') after requireAccountSession (freshScan.ts),
// and its view includes partials/fresh-scan-note under the button (views get `rescan`).
import { createHmac, timingSafeEqual } from 'node:crypto';
import { parse as parseForm } from 'node:querystring';
import type { Context, Middleware, Next } from 'koa';
import { readBody } from '../device/body.ts';
import { render } from '../http/render.ts';
import { sessionDevice } from '../oidc/sessionOrigin.ts';
import { invalidRequest, ProtocolError } from '../protocol/errors.ts';
import { enforceRateLimit } from '../ratelimit/enforceRateLimit.ts';
import type { Services } from '../services.ts';
import { findAccountById, type Account } from '../store/accounts.ts';
import { decodeUtf8 } from '../device/utf8.ts';

export type AccountSession = {
  account: Account;
  /** The engine session's uid: stable for this browser's sign-in (the engine renews the cookie's id, never this). */
  sessionUid: string;
  /** The device whose approval signed this browser in, when known. */
  deviceId: string | null;
  /** What every POST form of the account page sends back as `csrf`. */
  csrfToken: string;
  /** When this browser's last QR sign-in was approved (the engine's loginTs, auth_time), epoch seconds. */
  loginTs: number | null;
  /** That approval is recent enough for the sensitive actions (freshScan.ts). */
  fresh: boolean;
};

/** Forms of the account page are small: a name, a token, an id. */
export const ACCOUNT_FORM_LIMIT = 8 * 1024;

const CSRF_PURPOSE = 'scanin account page csrf\0';

/**
 * The CSRF token of a session: an HMAC of its uid under the cookie keys (persisted, the same on
 * every instance). Nothing to store, the same for the session's whole life, and useless for any
 * other session; a new sign-in has a new uid and so a new token.
 */
function csrfTokenFor(key: string, sessionUid: string): string {
  return createHmac('sha256', key).update(CSRF_PURPOSE + sessionUid).digest('base64url');
}

export function cookieKeys(services: Services): string[] {
  const keys = services.provider.keys as unknown;
  if (!Array.isArray(keys) || keys.length === 0 || !keys.every((key) => typeof key === 'string')) {
    throw new TypeError('the engine has no cookie keys: the account page cannot make CSRF tokens');
  }
  return keys as string[];
}

function csrfMatches(services: Services, sessionUid: string, sent: string): boolean {
  const given = Buffer.from(sent);
  // Any of the cookie keys, so that forms shown before a key rotation still work.
  return cookieKeys(services).some((key) => {
    const expected = Buffer.from(csrfTokenFor(key, sessionUid));
    return expected.length === given.length && timingSafeEqual(expected, given);
  });
}

export const accountDisabledPage = () => new ProtocolError(403, 'account_disabled', 'This account is disabled, so its account page cannot be used. Ask your administrator.');

/**
 * The browser's signed-in engine session and its account, or null when it has none. Throws
 * when the account is disabled (its sessions are normally ended with it; this covers a race).
 */
export async function currentAccountSession(ctx: Context, services: Services): Promise<AccountSession | null> {
  const session = await services.provider.Session.get(ctx);
  if (!session.accountId || !session.uid) return null;
  const account = await findAccountById(services.db, session.accountId);
  if (!account) return null;
  if (account.disabled_at !== null) throw accountDisabledPage();
  const loginTs = typeof session.loginTs === 'number' ? session.loginTs : null;
  return {
    account,
    sessionUid: session.uid,
    deviceId: (await sessionDevice(services.db, session.uid)) ?? null,
    csrfToken: csrfTokenFor(cookieKeys(services)[0]!, session.uid),
    loginTs,
    // Every approval of a QR sign-in on this browser sets loginTs anew (the engine's
    // loginAccount), so this is "a phone of this account approved on this browser lately".
    fresh: loginTs !== null && services.clock() - loginTs <= services.config.accountFreshScan,
  };
}

/** Where a signed-out browser asking for `path` (under /account) goes to sign in. */
export function accountLoginUrl(services: Services, path: string): string {
  return `${services.basePath}/account/login?return_to=${encodeURIComponent(path)}`;
}

/**
 * Middleware for every account-page route: puts the session in ctx.state (read it with
 * accountSessionOf). A signed-out browser asking for a page is sent to sign in and comes back;
 * a signed-out POST changes nothing and gets a page that says so.
 */
export function requireAccountSession(services: Services): Middleware {
  return async (ctx: Context, next: Next) => {
    const session = await currentAccountSession(ctx, services);
    if (!session) {
      if (ctx.method === 'GET' || ctx.method === 'HEAD') {
        ctx.status = 303;
        return ctx.redirect(accountLoginUrl(services, ctx.path));
      }
      return renderSignedOut(ctx, 401);
    }
    ctx.state.accountSession = session;
    await next();
  };
}

export function accountSessionOf(ctx: Context): AccountSession {
  const session = ctx.state.accountSession as AccountSession | undefined;
  if (!session) throw new TypeError('accountSessionOf: the route does not use requireAccountSession');
  return session;
}

const NOTHING_CHANGED = 'This browser is not signed in to your Scanin account, so nothing was changed.';

/** The page a browser sees once it is no longer signed in (after signing out, or a POST without a session). */
export async function renderSignedOut(ctx: Context, status = 200, message = NOTHING_CHANGED): Promise<void> {
  await render(ctx, 'account-signed-out', { message }, status);
}

/**
 * Renders an account-page view with what every one of them uses: `account`, `csrfToken`, and
 * `rescan` (true when a sensitive action would ask for a fresh scan first, which its form says).
 */
export async function renderAccountView(ctx: Context, view: string, data: Record<string, unknown>, status = 200): Promise<void> {
  const { account, csrfToken, fresh } = accountSessionOf(ctx);
  await render(ctx, view, { account, csrfToken, rescan: !fresh, ...data }, status);
}

/**
 * The body of an account-page POST (after requireAccountSession): an urlencoded form of at most
 * ACCOUNT_FORM_LIMIT bytes whose `csrf` is this session's token. Counts against the account's
 * rate limit. Returns the other fields; a field sent twice, or not UTF-8, is refused (400).
 */
export async function readAccountForm(ctx: Context, services: Services): Promise<Record<string, string>> {
  // Read once per request: requireFreshScan reads it before the route does (the body can be
  // read only once, and the rate limit counts one form once).
  const read = ctx.state.accountForm as Record<string, string> | undefined;
  if (read) return read;
  const session = accountSessionOf(ctx);
  // A browser says where a form came from; one from another site never gets here (SameSite
  // cookies stop most), and the token is what decides.
  const origin = ctx.get('origin');
  if (origin && origin !== 'null' && origin !== new URL(services.issuer).origin) {
    throw new ProtocolError(403, 'invalid_request', 'This form was sent from another site. Open your account page and try again.');
  }
  if (!ctx.is('application/x-www-form-urlencoded')) throw invalidRequest('This form must be sent as application/x-www-form-urlencoded.');
  const text = decodeUtf8(await readBody(ctx, ACCOUNT_FORM_LIMIT));
  if (text === null) throw invalidRequest('This form is not valid UTF-8.');
  const parsed = parseForm(text);
  const fields: Record<string, string> = {};
  for (const [name, value] of Object.entries(parsed)) {
    if (typeof value !== 'string') throw invalidRequest(`The form field "${name.slice(0, 40)}" was sent more than once.`);
    fields[name] = value;
  }
  const { csrf, ...rest } = fields;
  if (!csrf || !csrfMatches(services, session.sessionUid, csrf)) {
    throw new ProtocolError(403, 'invalid_request', 'This form has expired or did not come from your account page. Open your account page and try again.');
  }
  await enforceRateLimit(services, 'account_page_account', session.account.id);
  ctx.state.accountForm = rest;
  return rest;
}

/** A required field of a form: present, not empty, at most `max` characters; else 400. */
export function formField(form: Record<string, string>, name: string, max = 256): string {
  const value = form[name];
  if (value === undefined || value === '') throw new ProtocolError(400, 'invalid_request', `The form is missing “${name}”. Nothing was changed.`);
  if (value.length > max) throw new ProtocolError(400, 'invalid_request', `“${name}” is too long. Nothing was changed.`);
  return value;
}
