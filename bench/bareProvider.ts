// The yardstick: a bare oidc-provider with its development interactions (a login form that
// takes any name, then a consent form), on the same storage as Scanin (its knex adapter on a
// SQLite file or PostgreSQL, the same migrations), with the same kind of signing keys, TTLs and
// clients. What it lacks is Scanin: QR codes, the phone, the event stream. With `memory`, it keeps
// everything in the engine's own in-memory adapter (for development only): what the engine's
// login costs without storage, the floor under both servers' figures.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider, { type Configuration } from 'oidc-provider';
import { systemClock } from '../src/clock.ts';
import { defaultIssuer, type Config } from '../src/config/env.ts';
import { knexAdapterFactory } from '../src/oidc/adapter.ts';
import { readClientsFile } from '../src/oidc/clients.ts';
import { loadCookieKeys, loadSigningKeys } from '../src/oidc/keys.ts';
import { openDatabase } from '../src/store/db.ts';
import { migrate } from '../src/store/migrate.ts';

export async function startBareProvider(config: Config, storage: 'database' | 'memory' = 'database') {
  const db = openDatabase(config.database);
  await migrate(db);
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(config.port, config.host, resolve));
  const { port } = server.address() as AddressInfo;
  const issuer = config.issuer ?? defaultIssuer(config.host, port);
  const clients = readClientsFile(config.clientsFile).map(({ first_party: _, ...metadata }) => metadata);
  const configuration: Configuration = {
    // Scanin's adapter without what only Scanin needs: it records which device opened a session,
    // and reads Scanin's account with what the token endpoint redeems.
    ...(storage === 'database' ? { adapter: knexAdapterFactory(db, systemClock, { sessionOrigins: false, accounts: false }) } : {}),
    clients,
    jwks: { keys: (await loadSigningKeys(db, systemClock, config.keysSecret)) as NonNullable<Configuration['jwks']>['keys'] },
    cookies: { keys: await loadCookieKeys(db, undefined, config.keysSecret) },
    clientDefaults: { grant_types: ['authorization_code'], response_types: ['code'], id_token_signed_response_alg: 'RS256' },
    features: { devInteractions: { enabled: true }, revocation: { enabled: true }, userinfo: { enabled: true } },
    responseTypes: ['code'],
    ttl: { AccessToken: 3600, AuthorizationCode: 60, IdToken: 3600, Interaction: config.interactionTtl, Grant: 14 * 86400, Session: 14 * 86400, RefreshToken: 14 * 86400 },
  };
  const provider = new Provider(issuer, configuration);
  server.on('request', provider.callback());
  return {
    issuer,
    port,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await db.destroy();
    },
  };
}
