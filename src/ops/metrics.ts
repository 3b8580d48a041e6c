// Prometheus metrics (prom-client), one registry per Scanin instance:
//   scanin_logins_total{outcome}              how login requests ended, as the audit log records
//                                             them: approved, denied, wrong_number, wrong_account,
//                                             expired (read by a phone, never answered)
//   scanin_approve_to_browser_seconds         from a phone's approval being committed to the
//                                             waiting browser's stream being told, on whichever
//                                             instance holds it
//   scanin_event_streams_open                 waiting login pages connected to this instance
//   scanin_token_requests_total{grant_type,outcome}  token endpoint requests: success or the error code
//   scanin_rate_limit_trips_total{rule}       requests refused by a rate limit
// plus Node's process metrics (CPU, memory, event loop lag, …) under `scanin_process_…`/`scanin_nodejs_…`.
import type Provider from 'oidc-provider';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Grant types worth a label of their own; anything a client makes up counts as `other`. */
const GRANT_TYPES = new Set([
  'authorization_code',
  'refresh_token',
  'client_credentials',
  'urn:openid:params:grant-type:ciba',
  'urn:ietf:params:oauth:grant-type:device_code',
]);

export type Metrics = ReturnType<typeof createMetrics>;

export function createMetrics(openStreams: () => number) {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'scanin_' });
  return {
    registry,
    logins: new Counter({ name: 'scanin_logins_total', help: 'Login requests by how they ended', labelNames: ['outcome'] as const, registers: [registry] }),
    approveToBrowser: new Histogram({
      name: 'scanin_approve_to_browser_seconds',
      help: "Seconds from a phone's approval to the waiting browser being told",
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    }),
    eventStreams: new Gauge({
      name: 'scanin_event_streams_open',
      help: 'Event streams of waiting login pages open on this instance',
      registers: [registry],
      collect() {
        this.set(openStreams());
      },
    }),
    tokenRequests: new Counter({ name: 'scanin_token_requests_total', help: 'Token endpoint requests by grant type and outcome', labelNames: ['grant_type', 'outcome'] as const, registers: [registry] }),
    rateLimitTrips: new Counter({ name: 'scanin_rate_limit_trips_total', help: 'Requests refused by a rate limit, by rule', labelNames: ['rule'] as const, registers: [registry] }),
  };
}

/** Counts the engine's token endpoint outcomes (its `grant.success` and `grant.error` events). */
export function countTokenRequests(provider: Provider, metrics: Metrics): void {
  const grantType = (ctx: { oidc?: { params?: Record<string, unknown> } }) => {
    const type = String(ctx.oidc?.params?.grant_type ?? '');
    return GRANT_TYPES.has(type) ? type : 'other';
  };
  provider.on('grant.success', (ctx) => metrics.tokenRequests.inc({ grant_type: grantType(ctx), outcome: 'success' }));
  provider.on('grant.error', (ctx, error) => metrics.tokenRequests.inc({ grant_type: grantType(ctx), outcome: error.error ?? 'server_error' }));
}
