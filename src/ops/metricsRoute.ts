// GET /metrics — the Prometheus exposition, for whoever holds METRICS_TOKEN (as a Bearer token).
// Without METRICS_TOKEN the route does not exist (404): metrics say how busy the service is and
// which limits trip, which is nobody's business on the open internet.
import { timingSafeEqual, createHash } from 'node:crypto';
import type Router from '@koa/router';
import { ProtocolError } from '../protocol/errors.ts';
import type { Services } from '../services.ts';

function sameSecret(given: string, expected: string): boolean {
  // Hashes have equal lengths, so the comparison takes the same time whatever was sent.
  const digest = (value: string) => createHash('sha256').update(value).digest();
  return timingSafeEqual(digest(given), digest(expected));
}

export function mountMetricsRoute(router: Router, services: Services): void {
  router.get('/metrics', async (ctx) => {
    const token = services.config.metricsToken;
    if (!token) throw new ProtocolError(404, 'not_found', `${ctx.path} does not exist`);
    const given = /^Bearer (\S+)$/i.exec(ctx.get('Authorization'))?.[1];
    if (!given || !sameSecret(given, token)) {
      throw new ProtocolError(401, 'invalid_token', 'GET /metrics needs Authorization: Bearer <METRICS_TOKEN>', { 'WWW-Authenticate': 'Bearer realm="metrics"' });
    }
    ctx.set('Cache-Control', 'no-store');
    ctx.type = services.metrics.registry.contentType;
    ctx.body = await services.metrics.registry.metrics();
  });
}
