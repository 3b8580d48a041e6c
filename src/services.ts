// What request handlers share: built once at start, passed down explicitly (no globals).
import type Provider from 'oidc-provider';
import type { Clock } from './clock.ts';
import type { Config } from './config/env.ts';
import type { EventBus } from './events/bus.ts';
import type { PlaceLookup } from './geo/placeLookup.ts';
import type { OpenStreams } from './events/openStreams.ts';
import type { StreamLimits } from './login/streamLimits.ts';
import type { Logger } from './log/logger.ts';
import type { Mailer } from './mail/mailer.ts';
import type { Pusher } from './push/pusher.ts';
import type { Metrics } from './ops/metrics.ts';
import type { HitCounter } from './ratelimit/hitCounters.ts';
import type { Db } from './store/db.ts';

export type Services = {
  config: Config;
  issuer: string;
  /** The issuer's path (`''` for an origin): every route is under it, so every URL sent out starts with it. */
  basePath: string;
  db: Db;
  clock: Clock;
  bus: EventBus;
  /** This instance's open event streams (one shared timer; drained at shutdown). */
  streams: OpenStreams;
  /** How many of those each client network holds (STREAMS_PER_IP). */
  streamLimits: StreamLimits;
  provider: Provider;
  log: Logger;
  metrics: Metrics;
  /** Where rate-limit hits are counted (ratelimit/hitCounters.ts). */
  hitCounter: HitCounter;
  /** Where a browser's address is, roughly (GEOIP_DB), for the phone's approve screen. */
  places: PlaceLookup;
  /** Where mail leaves (SMTP_URL); `undefined`: Scanin sends no mail. */
  mailer: Mailer | undefined;
  /** Web Push to the devices of an account (push/pusher.ts). */
  pusher: Pusher;
};
