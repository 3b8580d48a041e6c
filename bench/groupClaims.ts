// What groups and roles cost a token request (issue 20): refresh-token grants, each returning a
// new ID token (and rotating the refresh token), with and without the `groups` scope, on one
// Scanin process per storage, interleaved (without, with, with, without, …). The person is in
// three groups, one a subgroup, and the client maps roles from them; with the scope, every
// request reads the groups once (store/groups.ts). The server's own CPU time is read from its
// process, per request.
import * as oidc from 'openid-client';
import { performance } from 'node:perf_hooks';
import { parseDatabaseUrl } from '../src/config/env.ts';
import { findAccountByEmail } from '../src/store/accounts.ts';
import { openDatabase } from '../src/store/db.ts';
import { addMember, createGroup } from '../src/store/groups.ts';
import { discover } from '../test/helpers/rp.ts';
import { RP_REDIRECT, testEnv } from '../test/helpers/scanin.ts';
import { benchDir, createBenchDatabase, type Storage } from './databases.ts';
import { enrolledPhone, scaninTokens } from './flows.ts';
import { ServerProcess } from './serverProcess.ts';
import { percentile } from './stats.ts';

export const GROUP_CLAIMS_CLIENT = {
  client_id: 'bench-wiki',
  client_name: 'Bench Wiki',
  first_party: true,
  token_endpoint_auth_method: 'none',
  redirect_uris: [RP_REDIRECT],
  grant_types: ['authorization_code', 'refresh_token'],
  roles: { admin: ['wiki-admins'], editor: ['engineering'], viewer: ['contractors'] },
};

const EXPECTED_CLAIMS = JSON.stringify([['backend', 'engineering', 'wiki-admins'], ['admin', 'editor']]);

export type GroupClaimsRow = { storage: Storage; scope: string; requests: number; p50: number; cpuMsPerRequest: number };

/** The person's groups: engineering, its subgroup backend, and wiki-admins. */
async function joinGroups(databaseUrl: string): Promise<void> {
  const db = openDatabase(parseDatabaseUrl(databaseUrl));
  try {
    const now = Math.floor(Date.now() / 1000);
    const account = (await findAccountByEmail(db, 'bench@example.com'))!;
    await createGroup(db, now, 'engineering');
    for (const group of [await createGroup(db, now, 'backend', 'engineering'), await createGroup(db, now, 'wiki-admins')]) await addMember(db, now, group.id, account.id, null);
  } finally {
    await db.destroy();
  }
}

/** A chain of refresh tokens: each request redeems the last one. */
class RefreshChain {
  constructor(private readonly config: oidc.Configuration, private token: string, readonly scope: string) {}

  async refresh(): Promise<void> {
    const tokens = await oidc.refreshTokenGrant(this.config, this.token);
    if (!tokens.id_token || !tokens.refresh_token) throw new Error('a refresh without an ID token or a new refresh token');
    // What is measured is there: the groups and roles with the scope, neither without it.
    const { groups, roles } = tokens.claims()!;
    if (this.scope.includes('groups') ? JSON.stringify([groups, roles]) !== EXPECTED_CLAIMS : groups !== undefined) throw new Error(`unexpected groups and roles: ${JSON.stringify([groups, roles])}`);
    this.token = tokens.refresh_token;
  }
}

async function batch(server: ServerProcess, chain: RefreshChain, requests: number) {
  const before = await server.usage();
  const latencies: number[] = [];
  for (let i = 0; i < requests; i++) {
    const t = performance.now();
    await chain.refresh();
    latencies.push(performance.now() - t);
  }
  return { latencies, cpuMicros: (await server.usage()).cpuMicros - before.cpuMicros };
}

export async function benchGroupClaims(storage: Storage, options: { rounds: number; scale: number }): Promise<GroupClaimsRow[]> {
  const database = await createBenchDatabase(storage, 'groups');
  const dir = benchDir();
  const server = await ServerProcess.start('scanin', testEnv(dir, { NUMBER_MATCHING: 'false', DATABASE_URL: database.url }, [GROUP_CLAIMS_CLIENT]));
  try {
    const config = await discover(server.issuer, GROUP_CLAIMS_CLIENT.client_id);
    const phone = await enrolledPhone(server.issuer, database.url, dir);
    await joinGroups(database.url);
    const chains: RefreshChain[] = [];
    for (const scope of ['openid email offline_access', 'openid email offline_access groups']) {
      const tokens = await scaninTokens(config, server.issuer, phone, scope, { prompt: 'consent' });
      chains.push(new RefreshChain(config, tokens.refresh_token!, scope));
    }
    const perBatch = Math.max(20, Math.round(300 * options.scale));
    for (const chain of chains) await batch(server, chain, perBatch); // warm-up
    const results = chains.map(() => ({ latencies: [] as number[], cpuMicros: 0 }));
    for (let round = 0; round < options.rounds; round++) {
      const order = round % 2 === 0 ? [0, 1] : [1, 0];
      for (const index of order) {
        const measured = await batch(server, chains[index]!, perBatch);
        results[index]!.latencies.push(...measured.latencies);
        results[index]!.cpuMicros += measured.cpuMicros;
      }
    }
    return chains.map((chain, index) => {
      const { latencies, cpuMicros } = results[index]!;
      return { storage, scope: chain.scope, requests: latencies.length, p50: percentile(latencies.sort((x, y) => x - y), 50), cpuMsPerRequest: cpuMicros / 1000 / latencies.length };
    });
  } finally {
    await server.stop();
    await database.drop();
  }
}
