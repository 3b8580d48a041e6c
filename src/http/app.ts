// The Koa application: security headers and error rendering around Scanin's own routes, and
// everything else handed to oidc-provider (discovery, /auth, /token, /me, /jwks, …).
import Koa from 'koa';
import Router from '@koa/router';
import cors from '@koa/cors';
import { mountDeviceStatusRoutes } from '../device/deviceStatusRoutes.ts';
import { mountEnrollmentRoutes } from '../device/enrollmentRoutes.ts';
import { mountInboxRoutes } from '../device/inboxRoutes.ts';
import { mountLoginRequestRoutes } from '../device/loginRequestRoutes.ts';
import { mountVaultRoutes } from '../device/vaultRoutes.ts';
import { requestLog } from '../log/requestLog.ts';
import { mountInteractionRoutes } from '../login/interactionRoutes.ts';
import { mountSignupRoutes } from '../signup/signupRoutes.ts';
import { mountVerifyEmailRoutes } from '../mail/verifyEmailRoutes.ts';
import { scimApi } from '../scim/routes.ts';
import { mountPushRoutes } from '../push/pushRoutes.ts';
import { mountAccountPage } from '../accountPage/accountRoutes.ts';
import { mountAddDevicePage } from '../accountPage/addDeviceRoutes.ts';
import { mountAdminConsole } from '../admin/adminRoutes.ts';
import { mountRecoveryRoutes } from '../recovery/recoveryRoutes.ts';
import { mountAccountRecoveryCodes } from '../recovery/accountRecoveryCodes.ts';
import { mountInviteCodes } from '../recovery/inviteCodes.ts';
import { anonymousLogout } from '../oidc/anonymousLogout.ts';
import { limitEngineRoutes } from '../ratelimit/limitEngineRoutes.ts';
import { mountWebApp } from '../webapp/routes.ts';
import { mountHealthRoutes } from '../ops/health.ts';
import { mountMetricsRoute } from '../ops/metricsRoute.ts';
import type { Services } from '../services.ts';
import { allowedMethods } from './allowedMethods.ts';
import { mountAssets } from './assets.ts';
import { answerError, errorHandler, notFound } from './errors.ts';
import { mountHomePage } from './homePage.ts';
import { proxyHeaders } from './ip.ts';
import { mountedBasePath, underIssuerPath } from './issuerPath.ts';
import { mountScanLinkPages } from './scanLinkPages.ts';
import { securityHeaders } from './securityHeaders.ts';

/** Paths (relative to the issuer) that are Scanin's own: an unknown one is our 404, never the engine's. */
const OWN_PREFIXES = ['/scim/', '/device/', '/interaction/', '/assets/', '/q/', '/e/', '/app', '/account', '/admin', '/healthz', '/readyz', '/metrics', '/docs/'];

export function createApp(services: Services): Koa {
  const app = new Koa();
  app.proxy = services.config.trustProxy.kind !== 'none';

  const ops = new Router();
  mountHealthRoutes(ops, services);
  mountMetricsRoute(ops, services);

  const pages = new Router();
  mountHomePage(pages, services);
  mountAssets(pages);
  mountScanLinkPages(pages, services);
  mountInteractionRoutes(pages, services);
  mountSignupRoutes(pages, services);
  mountVerifyEmailRoutes(pages, services);
  mountAccountPage(pages, services);
  mountAddDevicePage(pages, services);
  mountAdminConsole(pages, services);
  mountRecoveryRoutes(pages, services);
  mountAccountRecoveryCodes(pages, services);
  mountInviteCodes(pages, services);
  mountWebApp(pages);

  const deviceApi = new Router();
  mountLoginRequestRoutes(deviceApi, services);
  mountEnrollmentRoutes(deviceApi, services);
  mountVaultRoutes(deviceApi, services);
  mountInboxRoutes(deviceApi, services);
  mountDeviceStatusRoutes(deviceApi, services);
  mountPushRoutes(deviceApi, services, services.pusher);

  // A path the engine does not know gets the same 404 as Scanin's own paths, not its bare text.
  services.provider.use(async (ctx, next) => {
    await next();
    if (ctx.status !== 404 || ctx.body !== undefined) return;
    ctx.state.basePath = mountedBasePath(ctx.req);
    await answerError(ctx, notFound(`${ctx.state.basePath}${ctx.path}`));
  });
  const engine = services.provider.callback();

  // Devices authenticate by signature, never by cookie, so any origin may call the API. This
  // runs before routing so that preflight requests get their answer too. A web app on another
  // origin reads Date too: ages and countdowns count on the server's clock (protocol §5).
  const deviceCors = cors({ origin: '*', allowMethods: ['GET', 'POST', 'PUT', 'DELETE'], exposeHeaders: ['Date'], maxAge: 600 });

  app.use(proxyHeaders(services.config.trustProxy));
  app.use(requestLog(services.log));
  app.use(securityHeaders(services.issuer));
  app.use(errorHandler);
  app.use(underIssuerPath(services.basePath));
  app.use(ops.routes());
  app.use(ops.allowedMethods({ throw: true }));
  app.use((ctx, next) => {
    if (!ctx.path.startsWith('/device/')) return next();
    // Challenges and answers are for one device, once: no cache may keep them.
    ctx.set('Cache-Control', 'no-store');
    return deviceCors(ctx, next);
  });
  if (services.config.scimToken) app.use(scimApi(services, services.config.scimToken));
  app.use(allowedMethods);
  app.use(deviceApi.routes());
  app.use(pages.routes());
  app.use(limitEngineRoutes(services));
  app.use(anonymousLogout(services));
  app.use(async (ctx) => {
    if (OWN_PREFIXES.some((prefix) => ctx.path.startsWith(prefix))) return;
    ctx.respond = false;
    await engine(ctx.req, ctx.res);
  });
  app.on('error', (error: Error & { code?: string; expose?: boolean }, ctx?: Koa.Context) => {
    // A browser leaving a page that streams events is normal, not an error worth a stack trace.
    if (CLIENT_GONE.has(error.code ?? '') || error.expose) return;
    (ctx?.state.log ?? services.log).error({ err: error }, 'unhandled error');
  });
  return app;
}

const CLIENT_GONE = new Set(['ERR_STREAM_PREMATURE_CLOSE', 'ECONNRESET', 'EPIPE']);
