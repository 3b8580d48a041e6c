// A fresh scan before the account page's sensitive actions (like GitHub's "sudo mode"): making
// new recovery codes, starting or confirming an added device, revoking a device, and removing an
// app's access each hand the account, or take it, for good. The browser session behind the page
// lasts up to 14 days, so these also ask that a phone of this account approved a QR sign-in on
// this browser within ACCOUNT_FRESH_SCAN seconds (AccountSession.fresh, from the engine's
// loginTs). When it did not, the form changes nothing and the browser is sent through a new
// sign-in of the account page's client with prompt=login, naming the account (login_hint: no
// other account's phone can answer it, and the callback checks it too), back to where the form
// was; the person presses the button again (a POST is never replayed for them).
// Rules, in order (after requireAccountSession):
//   1. the form is read and checked as every form is (readAccountForm: same origin, CSRF token,
//      rate limit): a form from elsewhere is refused, never turned into a sign-in;
//   2. a session not fresh gets 303 to /account/login?fresh=1&return_to=<where the form was>.
// Nothing is kept in memory: the time is in the engine's session row, the way back in the
// sign-in's signed cookie.
import type { Context, Middleware, Next } from 'koa';
import type { Services } from '../services.ts';
import { accountSessionOf, readAccountForm } from './accountSession.ts';

/** Where a stale session goes to scan again, coming back to `returnTo` (a path under /account or /admin, maybe with #section). */
export function freshScanUrl(services: Services, returnTo: string): string {
  return `${services.basePath}/account/login?fresh=1&return_to=${encodeURIComponent(returnTo)}`;
}

/**
 * Middleware for a sensitive POST whose form sits at `returnTo` (a path under /account or
 * /admin, or one made from the request, as the admin console's pages of one user are).
 */
export function requireFreshScan(services: Services, returnTo: string | ((ctx: Context) => string)): Middleware {
  return async (ctx: Context, next: Next) => {
    await readAccountForm(ctx, services);
    if (!accountSessionOf(ctx).fresh) {
      ctx.set('Cache-Control', 'no-store');
      ctx.status = 303;
      return ctx.redirect(freshScanUrl(services, typeof returnTo === 'string' ? returnTo : returnTo(ctx)));
    }
    await next();
  };
}
