// Headers on every answer. `frame-ancestors 'none'` keeps any page that shows a QR code out of
// another site's frame (a framed QR is how a login gets relayed to an attacker's session).
import type { Context, Next } from 'koa';

export async function securityHeaders(ctx: Context, next: Next): Promise<void> {
  ctx.set({
    'Content-Security-Policy': "frame-ancestors 'none'",
    'X-Frame-Options': 'DENY',
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
  });
  await next();
}
