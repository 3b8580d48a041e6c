// A form post that changes what a sign-in accepts must come from Scanin's own page. The
// interaction's cookie (SameSite=Lax) already stays behind on a post from another site; this
// also refuses one from a sibling site (same site, other origin) or a page of another origin
// that a browser marks as such (Origin, Sec-Fetch-Site), whatever cookies it carries.
import type { Context } from 'koa';
import { ProtocolError } from '../protocol/errors.ts';

export function requireSameOrigin(ctx: Context, issuer: string): void {
  const origin = ctx.get('origin');
  const site = ctx.get('sec-fetch-site');
  if ((origin && origin !== new URL(issuer).origin) || (site && site !== 'same-origin')) {
    throw new ProtocolError(403, 'invalid_request', 'This form was sent from another site. Go back to the sign-in page and use it there.');
  }
}
