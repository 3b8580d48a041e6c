// A known path asked with a method it does not take: 405 with an `Allow` header naming the ones
// it does, rendered like every other error (JSON for APIs, a page for people). OPTIONS is a
// method like any other here: a CORS preflight (with Access-Control-Request-Method) is answered
// before routing, and any other OPTIONS gets this 405 too.
import type { Middleware } from 'koa';
import type { RouterContext } from '@koa/router';
import { methodNotAllowed } from '../protocol/errors.ts';

/** Wraps the routers (placed before them): acts once they have all passed. */
export const allowedMethods: Middleware = async (ctx, next) => {
  await next();
  const matched = (ctx as unknown as RouterContext).matched ?? [];
  if (ctx.respond === false || ctx.status !== 404 || ctx.body !== undefined || matched.length === 0) return;
  const allowed = [...new Set(matched.flatMap((layer) => layer.methods))].sort();
  if (allowed.length === 0 || allowed.includes(ctx.method)) return;
  throw methodNotAllowed(ctx.method, allowed);
};
