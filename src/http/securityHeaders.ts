// Headers on every answer: the base Content-Security-Policy (csp.ts; `frame-ancestors 'none'`
// keeps any page that shows a QR code out of another site's frame, which is how a login gets
// relayed), HSTS when the issuer is https, and no sniffing or referrers.
import type { Context, Next } from 'koa';
import { contentSecurityPolicy } from './csp.ts';

const BASE_POLICY = contentSecurityPolicy();
/** One year, the usual value; no includeSubDomains: the operator's other hosts are theirs to decide. */
const HSTS = 'max-age=31536000';

export function securityHeaders(issuer: string) {
  const https = issuer.startsWith('https:');
  return async (ctx: Context, next: Next): Promise<void> => {
    ctx.set({
      'Content-Security-Policy': BASE_POLICY,
      'X-Frame-Options': 'DENY',
      'X-Content-Type-Options': 'nosniff',
      'Referrer-Policy': 'no-referrer',
      ...(https ? { 'Strict-Transport-Security': HSTS } : {}),
    });
    await next();
  };
}
