// A form post that changes what a sign-in accepts must come from Scanin's own page. The
// interaction's cookie (SameSite=Lax) already stays behind on a post from another site; this
// also refuses a post the browser marks as coming from another origin or site, whatever cookies
// it carries: `Sec-Fetch-Site` other than same-origin, or an `Origin` that is not the issuer's.
// `Origin: null` says nothing either way: under our `Referrer-Policy: no-referrer` browsers send
// it for our own pages' posts too.
import type { Context } from 'koa';
import { ProtocolError } from '../protocol/errors.ts';

export function requireSameOrigin(ctx: Context, issuer: string): void {
  const origin = ctx.get('origin');
  const site = ctx.get('sec-fetch-site');
  if ((origin && origin !== 'null' && origin !== new URL(issuer).origin) || (site && site !== 'same-origin')) {
    throw new ProtocolError(403, 'invalid_request', 'This form was sent from another site. Go back to the sign-in page and use it there.');
  }
}
