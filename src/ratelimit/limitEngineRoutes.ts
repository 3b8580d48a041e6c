// Rate limits in front of the engine's endpoints that anyone may call without signing in and
// that store something: /auth (each call makes an interaction), /request (a pushed
// authorization request) and /session/end (a logout).
// Counted per client address here, before the engine reads anything; per account (the
// login_hint) inside the engine (limitSignInsPerAccount), where the hint is known however it came.
import type { Context, Next } from 'koa';
import type { KoaContextWithOIDC } from 'oidc-provider';
import { clientIp, networkOf } from '../http/ip.ts';
import { ProtocolError } from '../protocol/errors.ts';
import type { Services } from '../services.ts';
import { enforceRateLimit } from './enforceRateLimit.ts';

export function limitEngineRoutes(services: Services) {
  return async (ctx: Context, next: Next) => {
    const network = networkOf(clientIp(ctx));
    // A pushed authorization request (PAR, /request) is stored as well, and starts a sign-in.
    if (ctx.path === '/auth' || ctx.path === '/request') {
      await enforceRateLimit(services, 'auth_ip', network);
    } else if (ctx.path.startsWith('/session/end')) {
      await enforceRateLimit(services, 'logout_ip', network);
    }
    await next();
  };
}

/**
 * The engine's validator of `login_hint` (its `extraParams`), run on /auth once the parameters
 * are assembled: from the query (GET), the form body (POST) or a request object alike, after
 * the client, redirect URI and PKCE checks and before an interaction is stored. A sign-in that
 * names an account counts against that account from every address, so spreading the attempts
 * over many addresses does not help. Past the limit the engine renders its error page with our
 * 429 (not a redirect: the person waits and tries again, the app has nothing to do); at the
 * CIBA endpoint it answers the app JSON `429 rate_limited` with Retry-After.
 */
const COUNTED_ROUTES = new Set(['authorization', 'backchannel_authentication']);

export function limitSignInsPerAccount(services: Pick<Services, 'db' | 'clock' | 'config' | 'metrics' | 'hitCounter'>) {
  return async (ctx: KoaContextWithOIDC, value: unknown): Promise<void> => {
    // Pushed requests are counted when they are used at /auth. A CIBA request (an app asking
    // without a browser) is a sign-in naming the account too, and each one lands on that
    // person's phone: an app could otherwise flood it.
    if (!COUNTED_ROUTES.has(ctx.oidc.route) || typeof value !== 'string' || value.trim() === '') return;
    try {
      await enforceRateLimit(services, 'auth_account', value.trim().toLowerCase());
    } catch (error) {
      if (!(error instanceof ProtocolError)) throw error;
      ctx.set(error.headers);
      throw Object.assign(new Error(error.code), {
        error: error.code,
        error_description: 'Too many sign-ins were started for this account. Wait a moment, then try again.',
        status: error.status,
        statusCode: error.status,
        expose: true,
        allow_redirect: false,
      });
    }
  };
}
