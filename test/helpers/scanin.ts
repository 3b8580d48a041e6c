// A real Scanin for tests: its own SQLite file (or PostgreSQL database), a loopback port, and a
// clients.json naming the test relying parties.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, type Config } from '../../src/config/env.ts';
import { RATE_LIMIT_RULES } from '../../src/ratelimit/rules.ts';
import { startScanin, type RunningScanin } from '../../src/server.ts';
import { freePort } from './ports.ts';

export const RP_REDIRECT = 'http://127.0.0.1:9/callback';
export const PUBLIC_CLIENT = 'test-public';
export const THIRD_PARTY_CLIENT = 'test-third-party';
export const THIRD_PARTY_SECRET = 'a-test-secret-that-is-long-enough-1234567890';

export const TEST_CLIENTS = [
  { client_id: PUBLIC_CLIENT, client_name: 'Test App', first_party: true, token_endpoint_auth_method: 'none', redirect_uris: [RP_REDIRECT] },
  { client_id: THIRD_PARTY_CLIENT, client_name: 'Third Party App', client_secret: THIRD_PARTY_SECRET, redirect_uris: [RP_REDIRECT] },
];

export type TestScanin = RunningScanin & { dir: string; env: Record<string, string>; config: Config };

export function testDir(): string {
  return mkdtempSync(join(tmpdir(), 'scanin-test-'));
}

/**
 * Rate limits too high for any test to reach (tests and bench/ make many logins from one
 * loopback address; tests of the limits set RATE_LIMITS and STREAMS_PER_IP themselves), and
 * the audit log in the database only.
 */
export const TEST_DEFAULTS = {
  RATE_LIMITS: Object.keys(RATE_LIMIT_RULES).map((rule) => `${rule}=1000000/60`).join(','),
  STREAMS_PER_IP: '100000',
  // Audit entries go to the database; tests read them there, not in the test log.
  AUDIT_STDOUT: 'false',
  // Request lines from every test server would bury the test output; warnings still show.
  LOG_LEVEL: 'warn',
  // On by default in Scanin; tests of number matching (and test/abuse) turn it on themselves.
  NUMBER_MATCHING: 'false',
};

/** Environment for a Scanin on `dir`, registering `clients`; `overrides` win. */
export function testEnv(dir: string, overrides: Record<string, string> = {}, clients: unknown[] = TEST_CLIENTS): Record<string, string> {
  const clientsFile = join(dir, 'clients.json');
  writeFileSync(clientsFile, JSON.stringify(clients));
  return {
    PORT: '0',
    HOST: '127.0.0.1',
    DATABASE_URL: `sqlite:${join(dir, 'scanin.db')}`,
    CLIENTS_FILE: clientsFile,
    ...TEST_DEFAULTS,
    ...overrides,
  };
}

export async function startTestScanin(options: { dir?: string; env?: Record<string, string>; clients?: unknown[] } = {}): Promise<TestScanin> {
  const dir = options.dir ?? testDir();
  const env = testEnv(dir, options.env, options.clients);
  const config = loadConfig(env);
  const running = await startScanin(config);
  return Object.assign(running, { dir, env: { ...env, ISSUER: running.issuer }, config });
}

/** A Scanin whose issuer has a path (`${origin}${path}`, e.g. http://127.0.0.1:PORT/sso), on a port chosen first. */
export async function startScaninUnderPath(path = '/sso', env: Record<string, string> = {}): Promise<TestScanin & { origin: string }> {
  const port = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  return Object.assign(await startTestScanin({ env: { ...env, PORT: String(port), ISSUER: `${origin}${path}` } }), { origin });
}

export { freePort } from './ports.ts';
