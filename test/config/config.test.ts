// Configuration from the environment: defaults, and a clear error for each bad value.
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/env.ts';
import { startScanin } from '../../src/server.ts';
import { connectDatabase } from '../../src/store/db.ts';
import { testDir, testEnv, TEST_CLIENTS } from '../helpers/scanin.ts';

describe('configuration', () => {
  it('has working defaults: port 3000, SQLite in ./data, 60 s requests, 7-day invites', () => {
    const config = loadConfig({});
    expect(config.port).toBe(3000);
    expect(config.issuer).toBeUndefined();
    expect(config.database).toEqual({ client: 'sqlite', filename: join(process.cwd(), 'data/scanin.db') });
    expect(config.requestTtl).toBe(60);
    expect(config.inviteTtl).toBe(7 * 86400);
    expect(config.trustProxy).toEqual({ kind: 'none' });
    expect(config.rateLimits.auth_ip).toEqual({ limit: 120, window: 60 });
    expect(config.streamsPerIp).toBe(50);
    expect(config.accountFreshScan).toBe(600);
    expect(loadConfig({ ACCOUNT_FRESH_SCAN: '120' }).accountFreshScan).toBe(120);
    expect(config.numberMatching).toBe(true);
    expect(config.logLevel).toBe('info');
  });

  it('takes an SQLite file in a directory that exists; only the default ./data is created when missing', async () => {
    const dir = testDir();
    expect(loadConfig({ DATABASE_URL: `sqlite:${dir}/scanin.db` }).database).toEqual({ client: 'sqlite', filename: join(dir, 'scanin.db') });
    expect(() => loadConfig({ DATABASE_URL: `sqlite:${dir}/data/scanin.db` })).toThrow(`DATABASE_URL: the directory ${dir}/data does not exist`);
    expect(existsSync(join(dir, 'data'))).toBe(false);
    const cwd = process.cwd();
    process.chdir(dir);
    try {
      const db = await connectDatabase(loadConfig({}).database);
      await db.destroy();
    } finally {
      process.chdir(cwd);
    }
    expect(existsSync(join(dir, 'data/scanin.db'))).toBe(true);
  });

  it('reads SIGNUP: off by default, open, or a lower-cased domain list', () => {
    expect(loadConfig({}).signup).toEqual({ mode: 'off' });
    expect(loadConfig({ SIGNUP: 'open' }).signup).toEqual({ mode: 'open' });
    expect(loadConfig({ SIGNUP: 'domain:Example.com, example.org' }).signup).toEqual({ mode: 'domain', domains: ['example.com', 'example.org'] });
  });

  it('reads RATE_LIMITS over the defaults and TRUST_PROXY as a hop count or CIDR list', () => {
    const config = loadConfig({ RATE_LIMITS: 'auth_ip=5/10, logout_ip=1/3600', TRUST_PROXY: '2' });
    expect(config.rateLimits.auth_ip).toEqual({ limit: 5, window: 10 });
    expect(config.rateLimits.logout_ip).toEqual({ limit: 1, window: 3600 });
    expect(config.rateLimits.request_read_ip).toEqual({ limit: 120, window: 60 });
    expect(config.trustProxy).toEqual({ kind: 'hops', hops: 2 });
    expect(loadConfig({ TRUST_PROXY: 'true' }).trustProxy).toEqual({ kind: 'hops', hops: 1 });
    const cidrs = loadConfig({ TRUST_PROXY: '10.0.0.0/8, ::1' }).trustProxy;
    expect(cidrs.kind === 'cidrs' && cidrs.ranges).toEqual(['10.0.0.0/8', '::1']);
  });

  it('normalizes the issuer and reads postgres URLs', () => {
    const config = loadConfig({ ISSUER: 'https://id.example.com/', DATABASE_URL: 'postgres://u@db:5432/scanin' });
    expect(config.issuer).toBe('https://id.example.com');
    expect(config.database).toEqual({ client: 'postgres', connectionString: 'postgres://u@db:5432/scanin' });
  });

  it('keeps the path of an issuer, without its trailing slashes', () => {
    expect(loadConfig({ ISSUER: 'https://company.com/sso/' }).issuer).toBe('https://company.com/sso');
    expect(loadConfig({ ISSUER: 'https://company.com/a/b.c~d_e-f' }).issuer).toBe('https://company.com/a/b.c~d_e-f');
  });

  it.each([
    [{ PORT: 'eighty' }, 'PORT: expected a whole number, got "eighty"'],
    [{ PORT: '70000' }, 'PORT: must be between 0 and 65535'],
    [{ ISSUER: 'id.example.com' }, 'ISSUER: expected an absolute URL'],
    [{ ISSUER: 'ftp://id.example.com' }, 'ISSUER: must be an http or https URL'],
    [{ ISSUER: 'https://id.example.com/?a=1' }, 'ISSUER: must not have a query or fragment'],
    [{ ISSUER: 'https://company.com/my%20sso' }, 'ISSUER: its path must be segments of letters, digits and "-._~"'],
    [{ ISSUER: 'https://company.com/a//b' }, 'ISSUER: its path must be segments'],
    [{ DATABASE_URL: 'mysql://x' }, 'DATABASE_URL: expected sqlite:<file> or postgres://'],
    [{ DATABASE_URL: 'sqlite:' }, 'DATABASE_URL: sqlite: needs a file path'],
    [{ DATABASE_URL: 'sqlite:/no/such/dir/scanin.db' }, 'DATABASE_URL: the directory /no/such/dir does not exist (create it, or fix the path)'],
    [{ DATABASE_URL: 'sqlite:/etc/hostname/scanin.db' }, 'DATABASE_URL: /etc/hostname is not a directory (fix the path)'],
    [{ COOKIE_KEYS: 'short' }, 'COOKIE_KEYS: each comma-separated key must be at least 32 characters'],
    [{ REQUEST_TTL: '5' }, 'REQUEST_TTL: must be between 10 and 600'],
    [{ TRUST_PROXY: 'maybe' }, 'TRUST_PROXY: expected true, false, a hop count, or IP addresses and CIDR ranges'],
    [{ TRUST_PROXY: '10.0.0.0/33' }, 'TRUST_PROXY: expected true, false, a hop count'],
    [{ TRUST_PROXY: '11' }, 'TRUST_PROXY: a hop count must be 0 to 10'],
    [{ RATE_LIMITS: 'auth_ip=10' }, 'RATE_LIMITS: expected rule=count/seconds'],
    [{ RATE_LIMITS: 'everything=10/60' }, 'RATE_LIMITS: unknown rule "everything"'],
    [{ RATE_LIMITS: 'auth_ip=0/60' }, 'RATE_LIMITS: auth_ip: the count must be at least 1'],
    [{ RATE_LIMITS: 'auth_ip=5/0' }, 'RATE_LIMITS: auth_ip: the window must be 1 to 86400 seconds'],
    [{ STREAMS_PER_IP: '0' }, 'STREAMS_PER_IP: must be between 1 and 100000'],
    [{ ACCOUNT_FRESH_SCAN: '59' }, 'ACCOUNT_FRESH_SCAN: must be between 60 and 86400, got 59'],
    [{ ACCOUNT_FRESH_SCAN: '86401' }, 'ACCOUNT_FRESH_SCAN: must be between 60 and 86400'],
    [{ ACCOUNT_FRESH_SCAN: '10m' }, 'ACCOUNT_FRESH_SCAN: expected a whole number, got "10m"'],
    [{ NUMBER_MATCHING: 'sometimes' }, 'NUMBER_MATCHING: expected true or false'],
    [{ METRICS_TOKEN: 'short' }, 'METRICS_TOKEN: must be at least 32 characters'],
    [{ KEYS_SECRET: 'short' }, 'KEYS_SECRET: must be at least 32 characters'],
    [{ KEYS_RELOAD_INTERVAL: '0' }, 'KEYS_RELOAD_INTERVAL: must be between 1 and 3600'],
    [{ SIGNUP: 'yes' }, 'SIGNUP: expected off, open or domain:<comma-separated domains>'],
    [{ SIGNUP: 'domain:' }, 'SIGNUP: "" is not a domain name'],
    [{ SIGNUP: 'domain:example.com,not a domain' }, 'SIGNUP: "not a domain" is not a domain name'],
    [{ LOG_LEVEL: 'verbose' }, 'LOG_LEVEL: expected one of fatal, error, warn, info, debug, trace, silent, got "verbose"'],
  ])('refuses %j', (env, message) => {
    expect(() => loadConfig(env)).toThrow(message);
  });
});

describe('clients.json', () => {
  async function startWith(clients: unknown): Promise<Error> {
    const dir = testDir();
    const env = testEnv(dir);
    writeFileSync(env.CLIENTS_FILE!, typeof clients === 'string' ? clients : JSON.stringify(clients));
    return startScanin(loadConfig(env)).then(
      async (running) => {
        await running.close();
        throw new Error('Scanin started with a bad clients.json');
      },
      (error: Error) => error,
    );
  }

  it.each([
    ['a JSON syntax error, at its line and column', '[\n  { "client_id": "app",, }\n]', 'clients.json:2:24: not valid JSON: Expected double-quoted property name'],
    ['JSON cut short, at its end', '[{ "client_id": "app"', 'clients.json:1:22: not valid JSON: '],
    ['a misspelt first_party', [{ ...TEST_CLIENTS[0], first_party: undefined, frist_party: true }], 'client "test-public": unknown field "frist_party" (did you mean "first_party"?)'],
    ['a misspelt standard field', [{ ...TEST_CLIENTS[0], client_nmae: 'App' }], 'client "test-public": unknown field "client_nmae" (did you mean "client_name"?)'],
    ['a field nobody knows', [{ ...TEST_CLIENTS[0], colour: 'blue' }], 'client "test-public": unknown field "colour" (oidc-provider and Scanin do not know it)'],
    ['not an array', { client_id: 'x' }, 'must be a JSON array of client objects'],
    ['no redirect_uris', [{ client_id: 'app', token_endpoint_auth_method: 'none' }], 'client "app": field "redirect_uris"'],
    ['a non-boolean first_party', [{ ...TEST_CLIENTS[0], first_party: 'yes' }], 'client "test-public": field "first_party"'],
    ['a non-boolean require_user_verification', [{ ...TEST_CLIENTS[0], require_user_verification: 'yes' }], 'client "test-public": field "require_user_verification": require_user_verification must be true or false'],
    ['a resource_server on a public client', [{ ...TEST_CLIENTS[0], resource_server: 'https://api.example.com/' }], 'client "test-public": field "resource_server": resource_server is for a confidential client'],
    ['a resource_server that is not a URL', [{ ...TEST_CLIENTS[1], resource_server: 'api' }], 'client "test-third-party": field "resource_server": resource_server must be the API\'s http(s) URL'],
    ['a resource_server with a fragment', [{ ...TEST_CLIENTS[1], resource_server: 'https://api.example.com/#x' }], 'field "resource_server": resource_server must be the API\'s http(s) URL, without a fragment'],
    ['empty allowed_groups', [{ ...TEST_CLIENTS[0], allowed_groups: [] }], 'client "test-public": field "allowed_groups": allowed_groups must be a non-empty array of group names'],
    ['allowed_groups naming a group badly', [{ ...TEST_CLIENTS[0], allowed_groups: ['staff', 'no,commas'] }], 'client "test-public": field "allowed_groups": allowed_groups must be a non-empty array of group names'],
    ['a confidential client without a secret', [{ client_id: 'conf', redirect_uris: ['https://app.example.com/cb'] }], 'client "conf": field "client_secret"'],
    ['a duplicate client_id', [TEST_CLIENTS[0], TEST_CLIENTS[0]], 'client "test-public": field "client_id": appears twice'],
    ['a redirect URI the engine refuses', [{ ...TEST_CLIENTS[0], redirect_uris: ['not a url'] }], 'client "test-public": redirect_uris'],
  ])('stops Scanin at start on %s, naming the client and the field', async (_what, clients, message) => {
    const error = await startWith(clients);
    expect(error.message).toContain(message);
  });
});
