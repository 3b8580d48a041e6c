// The Koa application: security headers and error rendering around Scanin's own routes, and
// everything else handed to oidc-provider (discovery, /auth, /token, /me, /jwks, …).
import Koa from 'koa';
import Router from '@koa/router';
import cors from '@koa/cors';
import { mountEnrollmentRoutes } from '../device/enrollmentRoutes.ts';
import { mountLoginRequestRoutes } from '../device/loginRequestRoutes.ts';
import { mountInteractionRoutes } from '../login/interactionRoutes.ts';
import type { Services } from '../services.ts';
import { mountAssets } from './assets.ts';
import { errorHandler } from './errors.ts';
import { mountScanLinkPages } from './scanLinkPages.ts';
import { securityHeaders } from './securityHeaders.ts';

/** Paths that are Scanin's own: an unknown one is our 404, never the engine's. */
const OWN_PREFIXES = ['/device/', '/interaction/', '/assets/', '/q/', '/e/'];

export function createApp(services: Services): Koa {
  const app = new Koa();
  app.proxy = services.config.trustProxy;

  const pages = new Router();
  mountAssets(pages);
  mountScanLinkPages(pages, services);
  mountInteractionRoutes(pages, services);

  // Devices authenticate by signature, never by cookie, so any origin may call the API.
  const deviceApi = new Router();
  deviceApi.use(cors({ origin: '*', allowMethods: ['GET', 'POST', 'PUT'], maxAge: 600 }));
  mountLoginRequestRoutes(deviceApi, services);
  mountEnrollmentRoutes(deviceApi, services);

  const engine = services.provider.callback();

  app.use(securityHeaders);
  app.use(errorHandler);
  app.use(deviceApi.routes());
  app.use(deviceApi.allowedMethods());
  app.use(pages.routes());
  app.use(pages.allowedMethods());
  app.use(async (ctx) => {
    if (OWN_PREFIXES.some((prefix) => ctx.path.startsWith(prefix))) return;
    ctx.respond = false;
    await engine(ctx.req, ctx.res);
  });
  return app;
}
