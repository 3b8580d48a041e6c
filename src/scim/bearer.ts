// SCIM's authentication: `Authorization: Bearer <SCIM_TOKEN>` (RFC 7644 §2), compared in
// constant time; anything else is a 401 that says what is expected.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Context, Next } from 'koa';
import { ScimError } from './errors.ts';

const digest = (text: string) => createHash('sha256').update(text).digest();

export function bearerGuard(token: string): (ctx: Context, next: Next) => Promise<void> {
  const expected = digest(token);
  return async (ctx, next) => {
    const match = /^Bearer ([\x21-\x7e]+)$/.exec(ctx.get('authorization'));
    if (!match || !timingSafeEqual(digest(match[1]!), expected)) throw new ScimError(401, undefined, 'send the SCIM token (SCIM_TOKEN) as Authorization: Bearer <token>');
    await next();
  };
}
