// The one place configuration is read: every variable Scanin understands, checked at start,
// with errors that name the variable and say what a good value looks like.
import { statSync } from 'node:fs';
import { BlockList, isIP } from 'node:net';
import { dirname, resolve } from 'node:path';
import { defaultGeoDatabase } from '../geo/defaultDatabase.ts';
import type { ProxyTrust } from '../http/ip.ts';
import { isRateLimitRule, RATE_LIMIT_RULES, type RateLimits } from '../ratelimit/rules.ts';

export type DatabaseConfig =
  | { client: 'sqlite'; filename: string }
  | { client: 'postgres'; connectionString: string };

export type Config = {
  port: number;
  host: string;
  /** Public base URL, no trailing slash; `undefined` means "http://localhost:<listening port>". */
  issuer: string | undefined;
  database: DatabaseConfig;
  clientsFile: string;
  /** Secrets for signing cookies; `undefined` means "generate once and keep in the database". */
  cookieKeys: string[] | undefined;
  requestTtl: number;
  interactionTtl: number;
  inviteTtl: number;
  /** Life of an add-device QR code, and so the time a device it enrolled has to be confirmed. */
  addDeviceTtl: number;
  /**
   * Seconds since this browser's last approved QR sign-in within which the account page's
   * sensitive actions (new recovery codes, adding a device, revoking a device or an app's
   * access) are allowed; after that they ask for a fresh scan first.
   */
  accountFreshScan: number;
  trustProxy: ProxyTrust;
  numberMatching: boolean;
  /** Let back-channel logout and CIBA pings reach loopback and private addresses (oidc-provider refuses them). */
  allowPrivateCallbacks: boolean;
  /** The initial access token dynamic registration requires; `undefined`: no registration endpoint. */
  registrationToken: string | undefined;
  rateLimits: RateLimits;
  /** Open event streams one client IP may hold on one instance. */
  streamsPerIp: number;
  /** Days the audit log keeps an entry. */
  auditRetentionDays: number;
  /** Whether each audit entry is also written to stdout as a JSON line. */
  auditStdout: boolean;
  logLevel: LogLevel;
  /** Bearer token that may read /metrics; `undefined` means /metrics is off (404). */
  metricsToken: string | undefined;
  /** Encrypts private keys and secrets in the database (AES-256-GCM); `undefined`: stored plain. */
  keysSecret: string | undefined;
  /** Seconds between two reloads of the signing keys from the database. */
  keysReloadInterval: number;
  /** Who may create an account from the sign-in page. */
  signup: SignupPolicy;
  /** Days a browser remembers the account last signed in on it (0: never remembers). */
  rememberAccountDays: number;
  /** The IP database (.mmdb) that places browsers for the phone; null: GEOIP_DB=off. */
  geoipDb: string | null;
  /** How mail (invites, new-device alerts, email verification) leaves: SMTP_URL and MAIL_FROM. */
  mail: MailConfig;
  /** Bearer token of SCIM provisioning at /scim/v2; `undefined`: no SCIM endpoint (404). */
  scimToken: string | undefined;
};

/** `off`: no mail at all; `log`: each message is logged instead of sent (development); `smtp`: sent through `url`. */
export type MailConfig = { transport: 'off' } | { transport: 'log'; from: string } | { transport: 'smtp'; url: string; from: string };

/** `off`: nobody; `open`: anyone; `domain`: addresses at one of `domains` (lower case). */
export type SignupPolicy = { mode: 'off' } | { mode: 'open' } | { mode: 'domain'; domains: string[] };

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export class ConfigError extends Error {
  constructor(variable: string, problem: string) {
    super(`${variable}: ${problem}`);
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw)) throw new ConfigError(name, `expected a whole number, got ${JSON.stringify(raw)}`);
  const value = Number(raw);
  if (value < min || value > max) throw new ConfigError(name, `must be between ${min} and ${max}, got ${value}`);
  return value;
}

function boolean(env: Env, name: string, fallback: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (['true', '1', 'yes', 'on'].includes(raw)) return true;
  if (['false', '0', 'no', 'off'].includes(raw)) return false;
  throw new ConfigError(name, `expected true or false, got ${JSON.stringify(raw)}`);
}

export function parseIssuer(raw: string, name = 'ISSUER'): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(name, `expected an absolute URL such as https://id.example.com, got ${JSON.stringify(raw)}`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new ConfigError(name, 'must be an http or https URL');
  if (url.search || url.hash) throw new ConfigError(name, 'must not have a query or fragment');
  if (url.username || url.password) throw new ConfigError(name, 'must not carry credentials');
  // Every route lives under the issuer's path, and devices find the issuer in scanned URLs: plain
  // segments only, so that no one has to agree on percent-encoding or empty segments.
  if (!/^(\/[A-Za-z0-9._~-]+)*$/.test(url.pathname.replace(/\/+$/, ''))) {
    throw new ConfigError(name, `its path must be segments of letters, digits and "-._~", as in https://example.com/sso, got ${JSON.stringify(url.pathname)}`);
  }
  return url.href.replace(/\/+$/, '');
}

export function parseDatabaseUrl(raw: string, name = 'DATABASE_URL'): DatabaseConfig {
  if (raw.startsWith('sqlite:')) {
    const filename = raw.slice('sqlite:'.length);
    if (!filename) throw new ConfigError(name, 'sqlite: needs a file path, as in sqlite:./data/scanin.db');
    if (filename === ':memory:') return { client: 'sqlite', filename };
    // A typo in the path would otherwise start an empty database beside the real one.
    const directory = dirname(resolve(filename));
    let isDirectory = false;
    try {
      isDirectory = statSync(directory).isDirectory();
    } catch {
      throw new ConfigError(name, `the directory ${directory} does not exist (create it, or fix the path)`);
    }
    if (!isDirectory) throw new ConfigError(name, `${directory} is not a directory (fix the path)`);
    return { client: 'sqlite', filename: resolve(filename) };
  }
  if (raw.startsWith('postgres://') || raw.startsWith('postgresql://')) {
    try {
      new URL(raw);
    } catch {
      throw new ConfigError(name, 'is not a valid postgres:// URL');
    }
    return { client: 'postgres', connectionString: raw };
  }
  throw new ConfigError(name, `expected sqlite:<file> or postgres://…, got ${JSON.stringify(raw)}`);
}

function cookieKeys(env: Env): string[] | undefined {
  const raw = env.COOKIE_KEYS;
  if (raw === undefined || raw === '') return undefined;
  const keys = raw.split(',').map((key) => key.trim());
  for (const key of keys) {
    if (key.length < 32) throw new ConfigError('COOKIE_KEYS', 'each comma-separated key must be at least 32 characters');
  }
  return keys;
}

/**
 * TRUST_PROXY: `false` (no proxy), `true` (one proxy: the same as `1`), a number of proxy hops
 * in front of Scanin, or a comma-separated list of the proxies' addresses and CIDR ranges.
 */
export function parseTrustProxy(raw: string | undefined, name = 'TRUST_PROXY'): ProxyTrust {
  const text = (raw ?? '').trim();
  if (['', 'false', '0', 'no', 'off'].includes(text)) return { kind: 'none' };
  if (['true', 'yes', 'on'].includes(text)) return { kind: 'hops', hops: 1 };
  if (/^\d+$/.test(text)) {
    const hops = Number(text);
    if (hops > 10) throw new ConfigError(name, `a hop count must be 0 to 10, got ${hops}`);
    return { kind: 'hops', hops };
  }
  const list = new BlockList();
  const ranges = text.split(',').map((entry) => entry.trim());
  for (const range of ranges) {
    const [address = '', prefix, extra] = range.split('/');
    const family = isIP(address);
    const bits = prefix === undefined ? (family === 6 ? 128 : 32) : /^\d{1,3}$/.test(prefix) ? Number(prefix) : NaN;
    if (!family || extra !== undefined || !(bits >= 0 && bits <= (family === 6 ? 128 : 32))) {
      throw new ConfigError(name, `expected true, false, a hop count, or IP addresses and CIDR ranges such as 10.0.0.0/8,::1; got ${JSON.stringify(range)}`);
    }
    list.addSubnet(address, bits, family === 6 ? 'ipv6' : 'ipv4');
  }
  return { kind: 'cidrs', ranges, list };
}

/** RATE_LIMITS: `rule=count/seconds` pairs, comma-separated; rules not named keep their default. */
export function parseRateLimits(raw: string | undefined, name = 'RATE_LIMITS'): RateLimits {
  const limits: RateLimits = { ...RATE_LIMIT_RULES };
  if (raw === undefined || raw.trim() === '') return limits;
  for (const entry of raw.split(',')) {
    const match = /^\s*([a-z_]+)\s*=\s*(\d{1,9})\s*\/\s*(\d{1,6})\s*$/.exec(entry);
    if (!match) throw new ConfigError(name, `expected rule=count/seconds (as in auth_ip=120/60), got ${JSON.stringify(entry)}`);
    const [, rule, limit, window] = match as unknown as [string, string, string, string];
    if (!isRateLimitRule(rule)) throw new ConfigError(name, `unknown rule ${JSON.stringify(rule)}; the rules are ${Object.keys(RATE_LIMIT_RULES).join(', ')}`);
    if (Number(limit) < 1) throw new ConfigError(name, `${rule}: the count must be at least 1`);
    if (Number(window) < 1 || Number(window) > 86400) throw new ConfigError(name, `${rule}: the window must be 1 to 86400 seconds`);
    limits[rule] = { limit: Number(limit), window: Number(window) };
  }
  return limits;
}

/** A secret given in the environment: absent, or long enough to resist guessing. */
function secret(env: Env, name: string): string | undefined {
  const raw = env[name];
  if (raw === undefined || raw === '') return undefined;
  if (raw.length < 32) throw new ConfigError(name, 'must be at least 32 characters (e.g. openssl rand -base64 32)');
  return raw;
}

function logLevel(env: Env): LogLevel {
  const raw = env.LOG_LEVEL;
  if (raw === undefined || raw === '') return 'info';
  if ((LOG_LEVELS as readonly string[]).includes(raw)) return raw as LogLevel;
  throw new ConfigError('LOG_LEVEL', `expected one of ${LOG_LEVELS.join(', ')}, got ${JSON.stringify(raw)}`);
}

function registrationToken(env: Env): string | undefined {
  const raw = env.REGISTRATION_TOKEN;
  if (raw === undefined || raw === '') return undefined;
  if (raw.length < 32 || /\s/.test(raw)) throw new ConfigError('REGISTRATION_TOKEN', 'must be at least 32 characters without white space (it is a bearer secret)');
  return raw;
}

const DOMAIN = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;

export function parseSignup(raw: string | undefined, name = 'SIGNUP'): SignupPolicy {
  if (raw === undefined || raw === '' || raw === 'off') return { mode: 'off' };
  if (raw === 'open') return { mode: 'open' };
  if (!raw.startsWith('domain:')) throw new ConfigError(name, `expected off, open or domain:<comma-separated domains> (as in domain:example.com,example.org), got ${JSON.stringify(raw)}`);
  const domains = raw.slice('domain:'.length).split(',').map((domain) => domain.trim().toLowerCase());
  for (const domain of domains) {
    if (!DOMAIN.test(domain)) throw new ConfigError(name, `${JSON.stringify(domain)} is not a domain name such as example.com`);
  }
  return { mode: 'domain', domains };
}

/**
 * GEOIP_DB: unset for the shipped IP-to-country database, `off` for none, or the path of another
 * .mmdb file (a city database places browsers more finely). The file must exist now; whether it
 * is a MaxMind DB is checked when Scanin opens it at start (src/geo/placeLookup.ts).
 */
export function parseGeoipDb(raw: string | undefined, name = 'GEOIP_DB'): string | null {
  if (raw === undefined || raw === '') {
    try {
      return defaultGeoDatabase();
    } catch {
      throw new ConfigError(name, 'the default IP database (the npm package @ip-location-db/geo-whois-asn-country-mmdb) is not installed: run npm install, or set GEOIP_DB to an .mmdb file or to off');
    }
  }
  if (raw === 'off') return null;
  const file = resolve(raw);
  let isFile = false;
  try {
    isFile = statSync(file).isFile();
  } catch {
    throw new ConfigError(name, `there is no file at ${file}; expected the path of an .mmdb IP database (such as GeoLite2-City.mmdb or DB-IP's City Lite), or off`);
  }
  if (!isFile) throw new ConfigError(name, `${file} is not a file; expected the path of an .mmdb IP database, or off`);
  return file;
}

// A bare address or `Display Name <address>`, on one line: it becomes the From header.
const MAIL_FROM = /^(?:[^<>\r\n"]{1,100} <[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+>|[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+)$/;

/**
 * SMTP_URL: unset (or `off`) for no mail, `log` to log each message instead of sending it, or
 * `smtp://user:password@host:587` (STARTTLS when the server offers it) / `smtps://…:465` (TLS from
 * the start). MAIL_FROM names the sender, required with an SMTP server.
 */
export function parseMail(env: Env): MailConfig {
  const raw = env.SMTP_URL ?? '';
  const from = env.MAIL_FROM ?? '';
  if (from && !MAIL_FROM.test(from)) throw new ConfigError('MAIL_FROM', `expected an address such as scanin@example.com or "Example Sign-in <scanin@example.com>", got ${JSON.stringify(from)}`);
  if (raw === '' || raw === 'off') return { transport: 'off' };
  if (raw === 'log') return { transport: 'log', from: from || 'Scanin <scanin@localhost.localdomain>' };
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError('SMTP_URL', `expected off, log, or smtp://user:password@host:port (smtps:// for TLS from the start), got ${JSON.stringify(raw)}`);
  }
  if (url.protocol !== 'smtp:' && url.protocol !== 'smtps:') throw new ConfigError('SMTP_URL', `must start with smtp:// or smtps://, got ${url.protocol}//`);
  if (!url.hostname) throw new ConfigError('SMTP_URL', 'needs a host, as in smtp://mail.example.com:587');
  if (!from) throw new ConfigError('MAIL_FROM', 'is required with SMTP_URL: the address mail comes from, such as scanin@example.com');
  return { transport: 'smtp', url: raw, from };
}

/** Without ISSUER: the address Scanin listens on, with "localhost" for all interfaces. */
export function defaultIssuer(host: string, port: number): string {
  const name = host === '0.0.0.0' || host === '::' ? 'localhost' : host.includes(':') ? `[${host}]` : host;
  return `http://${name}:${port}`;
}

export function loadConfig(env: Env = process.env): Config {
  const port = integer(env, 'PORT', 3000, 0, 65535);
  return {
    port,
    host: env.HOST || '0.0.0.0',
    issuer: env.ISSUER ? parseIssuer(env.ISSUER) : undefined,
    // The default's directory, ./data, is created when the database opens (store/db.ts).
    database: env.DATABASE_URL ? parseDatabaseUrl(env.DATABASE_URL) : { client: 'sqlite', filename: resolve('./data/scanin.db') },
    clientsFile: resolve(env.CLIENTS_FILE || './clients.json'),
    cookieKeys: cookieKeys(env),
    requestTtl: integer(env, 'REQUEST_TTL', 60, 10, 600),
    interactionTtl: integer(env, 'INTERACTION_TTL', 900, 20, 86400),
    inviteTtl: integer(env, 'INVITE_TTL', 7 * 86400, 300, 90 * 86400),
    addDeviceTtl: integer(env, 'ADD_DEVICE_TTL', 600, 60, 3600),
    // At least a minute (time to press the button after the scan), at most a day: longer
    // would make the fresh scan a formality for a session that lasts 14 days.
    accountFreshScan: integer(env, 'ACCOUNT_FRESH_SCAN', 600, 60, 86400),
    trustProxy: parseTrustProxy(env.TRUST_PROXY),
    numberMatching: boolean(env, 'NUMBER_MATCHING', true),
    allowPrivateCallbacks: boolean(env, 'ALLOW_PRIVATE_CALLBACKS', false),
    registrationToken: registrationToken(env),
    rateLimits: parseRateLimits(env.RATE_LIMITS),
    streamsPerIp: integer(env, 'STREAMS_PER_IP', 50, 1, 100_000),
    auditRetentionDays: integer(env, 'AUDIT_RETENTION_DAYS', 90, 1, 3650),
    auditStdout: boolean(env, 'AUDIT_STDOUT', true),
    logLevel: logLevel(env),
    metricsToken: secret(env, 'METRICS_TOKEN'),
    keysSecret: secret(env, 'KEYS_SECRET'),
    keysReloadInterval: integer(env, 'KEYS_RELOAD_INTERVAL', 60, 1, 3600),
    signup: parseSignup(env.SIGNUP),
    // Browsers keep a cookie at most 400 days whatever it asks for (RFC 6265bis).
    rememberAccountDays: integer(env, 'REMEMBER_ACCOUNT_DAYS', 180, 0, 400),
    mail: parseMail(env),
    scimToken: secret(env, 'SCIM_TOKEN'),
    // Last: without its npm package the default throws, and knownVariables still sees every other name.
    geoipDb: parseGeoipDb(env.GEOIP_DB),
  };
}

/**
 * Every variable loadConfig reads: it reads them all whatever their values, so one load from an
 * environment that records the names asked for lists them, and this list cannot drift from it.
 */
export function knownVariables(): Set<string> {
  const names = new Set<string>();
  const recording = new Proxy({} as Env, {
    get(_target, name) {
      if (typeof name === 'string') names.add(name);
      return undefined;
    },
  });
  try {
    loadConfig(recording);
  } catch {
    // Only a missing default (GEOIP_DB's package) fails here, after every name has been read.
  }
  return names;
}
