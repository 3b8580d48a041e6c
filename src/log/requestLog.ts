// Gives every request an id and a logger that carries it, and logs one line when it is answered.
// The id comes from the caller's X-Request-Id when that is a sane token (so a proxy's id follows
// the request through), else a new one; it is echoed in the answer's X-Request-Id either way.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Context, Next } from 'koa';
import type { Logger } from './logger.ts';

const SANE_REQUEST_ID = /^[A-Za-z0-9._:@-]{1,128}$/;
/** Probes that run every few seconds: logged at debug only, or they would drown the rest. */
const QUIET_PATHS = /\/(healthz|readyz|metrics)$/;

/** The engine (oidc-provider) builds its own context from the bare request: it finds the logger here. */
const loggers = new WeakMap<IncomingMessage, Logger>();

export function requestId(header: string | undefined): string {
  return header && SANE_REQUEST_ID.test(header) ? header : randomUUID();
}

/** The path as logged: a route's pattern where there is one, so one-time ids in paths stay out of logs. */
function loggedPath(ctx: Context): string {
  const route = (ctx as Context & { _matchedRoute?: string | RegExp })._matchedRoute;
  // Routes see paths relative to the issuer's; the log shows the path the client asked for.
  return `${(ctx.state.basePath as string | undefined) ?? ''}${typeof route === 'string' ? route : ctx.path}`;
}

export function requestLog(log: Logger) {
  return async (ctx: Context, next: Next): Promise<void> => {
    const id = requestId(ctx.get('X-Request-Id') || undefined);
    const started = performance.now();
    // Read now: once the client has gone, the socket (and with it the address) is gone too.
    const ip = ctx.ip;
    ctx.state.requestId = id;
    ctx.state.log = log.child({ req_id: id });
    loggers.set(ctx.req, ctx.state.log as Logger);
    ctx.set('X-Request-Id', id);
    // Logged when the answer has gone out (or the client went away), so streams log at their end.
    ctx.res.once('close', () => {
      const line = {
        method: ctx.method,
        path: loggedPath(ctx),
        status: ctx.res.headersSent ? ctx.res.statusCode : ctx.status,
        ms: Math.round(performance.now() - started),
        ip,
      };
      if (QUIET_PATHS.test(ctx.path)) (ctx.state.log as Logger).debug(line, 'request');
      else (ctx.state.log as Logger).info(line, 'request');
    });
    await next();
  };
}

/** The logger of the request `req`, with its id, if requestLog saw it. */
export function loggerOfRequest(req: IncomingMessage | undefined): Logger | undefined {
  return req ? loggers.get(req) : undefined;
}
