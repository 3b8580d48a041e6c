// Scanin lives under its issuer's path: with ISSUER=https://company.com/sso every route (the
// device API, /q/, /e/, /interaction/, /assets/, discovery, /auth, /token, …) is under /sso, as
// OIDC Discovery and the device protocol derive every URL from the issuer. Requests outside
// that path get Scanin's own 404. Below this middleware, routes see paths relative to the
// issuer, so no route needs to know where it is mounted; only URLs sent out carry the prefix.
import type { IncomingMessage } from 'node:http';
import type { Middleware } from 'koa';

/** The path part of an issuer URL, without trailing slash: `''` for an origin, e.g. `/sso`. */
export function issuerPath(issuer: string): string {
  return new URL(issuer).pathname.replace(/\/+$/, '');
}

export function underIssuerPath(basePath: string): Middleware {
  return (ctx, next) => {
    ctx.state.basePath = basePath;
    if (basePath === '') return next();
    if (ctx.path !== basePath && !ctx.path.startsWith(`${basePath}/`)) return Promise.resolve();
    ctx.path = ctx.path.slice(basePath.length) || '/';
    // oidc-provider, handed the stripped request, builds its endpoint URLs (discovery, redirects
    // to /auth/:uid) from the Express-style `baseUrl` of the request.
    (ctx.req as MountedRequest).baseUrl = basePath;
    return next();
  };
}

type MountedRequest = IncomingMessage & { baseUrl?: string };

/** The issuer's path as seen from a request that reached oidc-provider (for its error pages). */
export function mountedBasePath(req: IncomingMessage): string {
  return (req as MountedRequest).baseUrl ?? '';
}
