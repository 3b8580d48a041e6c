// Starting and stopping Scanin: database and migrations, persisted keys, clients, the engine,
// the HTTP server, and the sweeper that removes expired rows.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { systemClock, type Clock } from './clock.ts';
import { defaultIssuer, type Config } from './config/env.ts';
import { InProcessBus } from './events/bus.ts';
import { createApp } from './http/app.ts';
import { issuerPath } from './http/issuerPath.ts';
import { sweepExpiredPayloads } from './oidc/adapter.ts';
import { checkClientsWithEngine, readClientsFile } from './oidc/clients.ts';
import { loadCookieKeys, loadSigningKeys } from './oidc/keys.ts';
import { createProvider } from './oidc/provider.ts';
import type { Services } from './services.ts';
import { openDatabase } from './store/db.ts';
import { sweepRequestIds } from './store/deviceRequestIds.ts';
import { sweepLoginRequests } from './store/loginRequests.ts';
import { migrate } from './store/migrate.ts';

const SWEEP_INTERVAL_MS = 60_000;

export type RunningScanin = {
  issuer: string;
  port: number;
  server: Server;
  services: Services;
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
  await sweepLoginRequests(services.db, now - services.config.interactionTtl);
  await sweepRequestIds(services.db, now);
}

export async function startScanin(config: Config, clock: Clock = systemClock): Promise<RunningScanin> {
  const clients = readClientsFile(config.clientsFile);
  const db = openDatabase(config.database);
  const server = createServer();
  try {
    await migrate(db);
    const [signingKeys, cookieKeys] = [await loadSigningKeys(db), await loadCookieKeys(db, config.cookieKeys)];
    const port = await listen(server, config.port, config.host);
    const issuer = config.issuer ?? defaultIssuer(config.host, port);
    const provider = createProvider({ config, issuer, db, clock, clients, signingKeys, cookieKeys });
    await checkClientsWithEngine(config.clientsFile, clients, (metadata) => provider.Client.validate(metadata));
    const services: Services = { config, issuer, basePath: issuerPath(issuer), db, clock, bus: new InProcessBus(), provider };
    server.on('request', createApp(services).callback());
    const sweeper = setInterval(() => {
      sweep(services).catch((error: unknown) => console.error('[scanin] sweep failed:', error));
    }, SWEEP_INTERVAL_MS);
    sweeper.unref();
    return {
      issuer,
      port,
      server,
      services,
      async close() {
        clearInterval(sweeper);
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          // Event streams never end by themselves.
          server.closeAllConnections();
        });
        await services.bus.close();
        await db.destroy();
      },
    };
  } catch (error) {
    server.close();
    await db.destroy();
    throw error;
  }
}
