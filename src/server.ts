// Starting and stopping Scanin: database and migrations, persisted keys, clients, the engine,
// the event bus, the HTTP server, and the sweeper that removes expired rows. Stopping is
// graceful (SIGTERM in `scanin serve`): stop accepting connections, tell open event streams to
// reconnect (a load balancer sends them to another instance), let in-flight requests finish,
// then write the rate-limit counts still in memory, and close the bus and the database.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { sweepAudit } from './audit/audit.ts';
import { recordExpiredLogins } from './audit/expiredLogins.ts';
import type { DestinationStream } from 'pino';
import { systemClock, type Clock } from './clock.ts';
import { defaultIssuer, type Config } from './config/env.ts';
import type { EventBus } from './events/bus.ts';
import { openBus } from './events/openBus.ts';
import { OpenStreams } from './events/openStreams.ts';
import { withAccountPageClient } from './accountPage/accountClient.ts';
import { openPlaceLookup } from './geo/placeLookup.ts';
import { expireUnconfirmedDevices } from './enrollment/addDevice.ts';
import { createApp } from './http/app.ts';
import { issuerPath } from './http/issuerPath.ts';
import { createLogger, type Logger } from './log/logger.ts';
import { loggerOfRequest } from './log/requestLog.ts';
import { countTokenRequests, createMetrics } from './ops/metrics.ts';
import { sweepExpiredPayloads } from './oidc/adapter.ts';
import { deliverDueLogouts, LOGOUT_DELIVERY_INTERVAL_MS } from './oidc/backchannelLogout.ts';
import { deliverMail, MAIL_DELIVERY_INTERVAL_MS } from './mail/delivery.ts';
import { openMailer } from './mail/mailer.ts';
import { repeat } from './ops/repeat.ts';
import { VERSION } from './ops/version.ts';
import { openPusher } from './push/pusher.ts';
import { sweepEmailVerifications } from './store/emailVerifications.ts';
import { signOutEverywhere } from './oidc/logout.ts';
import { checkClientsWithEngine, readClientsFile } from './oidc/clients.ts';
import { replaceEngineKeys } from './oidc/engineKeys.ts';
import { loadCookieKeys, loadSigningKeys, publishedSigningKeys } from './oidc/keys.ts';
import { createProvider } from './oidc/provider.ts';
import type { Services } from './services.ts';
import { connectDatabase, describeDatabase } from './store/db.ts';
import { sweepRequestIds } from './store/deviceRequestIds.ts';
import { sweepLoginRequests } from './store/loginRequests.ts';
import { sweepRateLimits } from './store/rateLimits.ts';
import { openHitCounter, type HitCounter } from './ratelimit/hitCounters.ts';
import { sweepRememberedBrowsers } from './store/rememberedBrowsers.ts';
import { StreamLimits } from './login/streamLimits.ts';
import { migrate } from './store/migrate.ts';
import { HEARTBEAT_SECONDS, registerInstance, removeInstance, touchInstance } from './store/instances.ts';
import { recordIssuer } from './store/settings.ts';

const SWEEP_INTERVAL_MS = 60_000;
/** How long in-flight requests get to finish at shutdown before their connections are cut. */
const SHUTDOWN_GRACE_MS = 10_000;
/** How often idle keep-alive connections are closed while the others finish. */
const IDLE_SWEEP_MS = 50;

export type RunningScanin = {
  issuer: string;
  port: number;
  server: Server;
  services: Services;
  /** Re-reads the signing keys from the database now (SIGHUP in `scanin serve`). */
  reloadKeys(): Promise<void>;
  close(): Promise<void>;
};

function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

async function sweep(services: Services): Promise<void> {
  const now = services.clock();
  await sweepExpiredPayloads(services.db, services.clock);
  // A request is of use until its interaction can no longer complete.
  await recordExpiredLogins(services, now - services.config.interactionTtl);
  await sweepLoginRequests(services.db, now - services.config.interactionTtl);
  await sweepRequestIds(services.db, now);
  await sweepRateLimits(services.db, now);
  await sweepRememberedBrowsers(services.db, now);
  await sweepEmailVerifications(services.db, now);
  await sweepAudit(services.db, now - services.config.auditRetentionDays * 86400);
  await expireUnconfirmedDevices(services);
}

export type StartOptions = {
  /** Where log lines go instead of stdout (tests read them). */
  logDestination?: DestinationStream;
};

export async function startScanin(config: Config, clock: Clock = systemClock, options: StartOptions = {}): Promise<RunningScanin> {
  const log: Logger = createLogger(config.logLevel, options.logDestination);
  const clients = readClientsFile(config.clientsFile);
  // Before anything opens: a GEOIP_DB that is no IP database stops the start with its name.
  const places = openPlaceLookup(config.geoipDb);
  const db = await connectDatabase(config.database, log);
  // Which file (or server) holds the data: a wrong DATABASE_URL shows here, not as missing users.
  log.info({ database: describeDatabase(config.database) }, 'database opened');
  const server = createServer();
  let bus: EventBus | undefined;
  let hitCounter: HitCounter | undefined;
  let registeredInstance: string | undefined;
  try {
    // Said once, when it happens (a first start, an upgrade): what changed in the database.
    const applied = await migrate(db);
    if (applied.length) log.info({ migrations: applied }, `applied ${applied.length} migration(s)`);
    const signingKeys = await loadSigningKeys(db, clock, config.keysSecret, log);
    const cookieKeys = await loadCookieKeys(db, config.cookieKeys, config.keysSecret, log);
    const port = await listen(server, config.port, config.host);
    const issuer = config.issuer ?? defaultIssuer(config.host, port);
    await recordIssuer(db, issuer);
    const instanceId = (registeredInstance = await registerInstance(db, issuer, clock()));
    bus = await openBus(config.database, db, log);
    // Before the engine: it counts rate-limit hits and trips (ratelimit/limitEngineRoutes.ts).
    hitCounter = await openHitCounter(config.database, db, clock, log);
    const streams = new OpenStreams();
    const metrics = createMetrics(() => streams.size);
    // The account page signs people in as an application of Scanin's own (src/accountPage/).
    const pusher = await openPusher({ db, config, issuer, log });
    const provider = createProvider({ config, issuer, db, clock, clients: withAccountPageClient(config.clientsFile, clients, issuer), signingKeys, cookieKeys, bus, log, metrics, hitCounter, pusher });
    await checkClientsWithEngine(config.clientsFile, clients, async (metadata) => {
      await provider.Client.validate(metadata);
      return Object.keys((await provider.Client.find(metadata.client_id))!.metadata());
    });
    if (clients.length === 0) log.warn(`${config.clientsFile} registers no clients: no application can sign in until one is added`);
    provider.on('server_error', (ctx: { req?: IncomingMessage } | undefined, error: Error) => {
      (loggerOfRequest(ctx?.req) ?? log).error({ err: error }, 'OIDC engine error');
    });
    countTokenRequests(provider, metrics);
    const services: Services = { config, issuer, basePath: issuerPath(issuer), db, clock, bus, provider, streams, streamLimits: new StreamLimits(config.streamsPerIp), log, metrics, places, hitCounter, mailer: openMailer(config.mail, log), pusher };
    provider.use(signOutEverywhere(services));
    const app = createApp(services).callback();
    let stopping = false;
    server.on('request', (req, res) => {
      // While stopping, no connection is kept for another request: the next one goes elsewhere.
      if (stopping) res.setHeader('Connection', 'close');
      void app(req, res);
    });
    const sweeper = setInterval(() => {
      sweep(services).catch((error: unknown) => log.error({ err: error }, 'sweep failed'));
    }, SWEEP_INTERVAL_MS);
    sweeper.unref();
    // Back-channel logouts queued by the CLI or another instance (this one sends its own at once).
    const logoutDelivery = repeat(LOGOUT_DELIVERY_INTERVAL_MS, () => deliverDueLogouts(services));
    // Mail queued by the CLI or another instance, or that could not leave at once.
    const { mailer } = services;
    const mailDelivery = mailer && repeat(MAIL_DELIVERY_INTERVAL_MS, () => deliverMail({ db, clock, mailer, log }));
    // Keys another instance (or `scanin keys rotate`) added, or whose time has come, reach the
    // engine here: the engine only changes when the published set or its order does.
    let publishedKids = signingKeys.map((key) => key.kid).join(' ');
    const reloadKeys = async () => {
      const keys = await publishedSigningKeys(db, clock(), config.keysSecret);
      const kids = keys.map((key) => key.kid).join(' ');
      if (kids === publishedKids) return;
      replaceEngineKeys(provider, keys);
      publishedKids = kids;
      log.info({ kids: keys.map((key) => key.kid) }, 'signing keys reloaded');
    };
    // While it runs, the instance says so: `scanin invite` then links to a running issuer.
    const heartbeat = repeat(HEARTBEAT_SECONDS * 1000, () => touchInstance(db, instanceId, issuer, clock()).catch((error: unknown) => log.error({ err: error }, 'instance heartbeat failed')));
    const keyReloader = setInterval(() => {
      reloadKeys().catch((error: unknown) => log.error({ err: error }, 'signing keys reload failed'));
    }, config.keysReloadInterval * 1000);
    keyReloader.unref();
    if (issuer.startsWith('https:') && config.trustProxy.kind === 'none') {
      // Scanin speaks plain HTTP; it marks cookies Secure only when a trusted proxy says the
      // browser used https. Without TRUST_PROXY the session cookies would travel unmarked.
      log.warn({ issuer }, 'ISSUER is https but TRUST_PROXY is off: cookies will be sent without Secure. Set TRUST_PROXY to the TLS-terminating proxy in front of Scanin.');
    }
    log.info({ port, issuer, version: VERSION, node: process.version }, 'Scanin is listening');
    return {
      issuer,
      port,
      server,
      services,
      reloadKeys,
      async close() {
        stopping = true;
        clearInterval(sweeper);
        clearInterval(keyReloader);
        await new Promise<void>((resolve) => {
          const idle = setInterval(() => server.closeIdleConnections(), IDLE_SWEEP_MS);
          const cut = setTimeout(() => server.closeAllConnections(), SHUTDOWN_GRACE_MS);
          server.close(() => {
            clearInterval(idle);
            clearTimeout(cut);
            resolve();
          });
          // Event streams never end by themselves: each tells its browser to reconnect.
          services.streams.drain();
          server.closeIdleConnections();
        });
        services.streams.stop();
        await heartbeat.stop();
        await removeInstance(db, instanceId).catch((error: unknown) => log.error({ err: error }, 'could not remove this instance from the running ones'));
        await logoutDelivery.stop();
        await mailDelivery?.stop();
        mailer?.close();
        await services.hitCounter.close();
        await services.bus.close();
        await db.destroy();
      },
    };
  } catch (error) {
    server.close();
    await hitCounter?.close();
    await bus?.close();
    if (registeredInstance) await removeInstance(db, registeredInstance).catch(() => {});
    await db.destroy();
    throw error;
  }
}
