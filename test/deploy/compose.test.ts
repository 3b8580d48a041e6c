// compose.yaml and its two-instance variant, without a Docker engine: what can be wrong in them
// without running them. Every variable they give Scanin, filled in from the shipped env.example,
// passes Scanin's own configuration loader; every variable of env.example is used; every file
// they mount exists; PostgreSQL has a health check and Scanin waits for it; Scanin's health
// check is the image's; the proxy streams events unbuffered to both instances and its host is
// ISSUER's.
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/env.ts';

const ROOT = join(import.meta.dirname, '../..');
const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');
type Service = { image?: string; build?: string; environment?: Record<string, string>; volumes?: string[]; ports?: string[]; depends_on?: Record<string, { condition: string }>; healthcheck?: unknown; extends?: { service: string } };
type Compose = { services: Record<string, Service> };

// `!reset []` (compose 2.24+) empties what the file it overrides set: read here as the empty list it leaves.
const parseCompose = (path: string) => parse(read(path).replaceAll('!reset ', '')) as Compose;
const compose = parseCompose('compose.yaml');
const twoInstances = parseCompose('deploy/compose/compose.two-instances.yaml');
const example = Object.fromEntries(read('deploy/compose/env.example').split('\n').filter((line) => /^[A-Z_]+=/.test(line)).map((line) => line.split(/=(.*)/s).slice(0, 2) as [string, string]));

/** Compose's interpolation: ${VAR}, ${VAR:-default}, ${VAR:?error}, from `vars`. */
function interpolate(value: string, vars: Record<string, string>): string {
  return value.replace(/\$\{([A-Z_]+)(?::([-?])([^}]*))?\}/g, (_, name: string, kind?: string, rest?: string) => {
    if (vars[name] !== undefined && vars[name] !== '') return vars[name]!;
    if (kind === '-') return rest!;
    throw new Error(`${name} is unset: ${rest}`);
  });
}

describe('compose.yaml', () => {
  it('starts Scanin after a healthy PostgreSQL, and checks Scanin with the image\'s HEALTHCHECK', () => {
    const { postgres, scanin } = compose.services as { postgres: Service; scanin: Service };
    expect(postgres.healthcheck).toBeDefined();
    expect(scanin.depends_on?.postgres?.condition).toBe('service_healthy');
    expect(scanin.build).toBe('.');
    expect(read('Dockerfile')).toMatch(/^HEALTHCHECK /m);
    expect(scanin.healthcheck).toBeUndefined();
  });

  it("gives Scanin, filled in from env.example, only what Scanin's configuration loader accepts, and uses every variable of env.example", () => {
    const environment = Object.fromEntries(Object.entries(compose.services.scanin!.environment!).map(([key, value]) => [key, interpolate(String(value), example)]));
    const config = loadConfig({ ...environment, CLIENTS_FILE: join(ROOT, 'clients.json') });
    expect(config.database).toMatchObject({ client: 'postgres' });
    expect(config.keysSecret).toBeDefined();
    expect(config.issuer).toBe(example.ISSUER);
    // Both files name the same database user and password.
    const postgres = compose.services.postgres!.environment!;
    expect(environment.DATABASE_URL).toBe(`postgres://${postgres.POSTGRES_USER}:${interpolate(postgres.POSTGRES_PASSWORD!, example)}@postgres:5432/${postgres.POSTGRES_DB}`);
    const used = read('compose.yaml') + read('deploy/compose/compose.two-instances.yaml') + read('deploy/compose/Caddyfile');
    for (const name of Object.keys(example)) expect(used, name).toMatch(new RegExp(`\\{\\$?${name}\\b`));
    // Without .env, compose stops with the reason rather than start with an empty secret.
    expect(() => interpolate(compose.services.scanin!.environment!.KEYS_SECRET!, {})).toThrow(/KEYS_SECRET is unset: set KEYS_SECRET in .env/);
  });

  it('mounts only files that exist, clients.json read-only at the image\'s CLIENTS_FILE', () => {
    const mounts = [...Object.values(compose.services), ...Object.values(twoInstances.services)].flatMap((service) => service.volumes ?? []).filter((volume) => volume.startsWith('./'));
    expect(mounts.length).toBeGreaterThan(0);
    for (const mount of mounts) expect(existsSync(join(ROOT, mount.split(':')[0]!)), mount).toBe(true);
    const clientsFile = /CLIENTS_FILE=(\S+)/.exec(read('Dockerfile'))![1];
    expect(compose.services.scanin!.volumes).toContain(`./clients.json:${clientsFile}:ro`);
  });
});

describe('the two-instance variant', () => {
  it('runs a second Scanin like the first, publishes no instance port, and Caddy streams events unbuffered to both', () => {
    expect(twoInstances.services['scanin-2']!.extends).toEqual({ service: 'scanin' });
    expect(twoInstances.services.scanin!.ports).toEqual([]);
    expect(twoInstances.services['scanin-2']!.ports).toEqual([]);
    expect(Object.keys(twoInstances.services.caddy!.depends_on!)).toEqual(['scanin', 'scanin-2']);
    const caddyfile = read('deploy/compose/Caddyfile');
    expect(caddyfile).toMatch(/reverse_proxy scanin:3000 scanin-2:3000 \{/);
    expect(caddyfile).toMatch(/^\s*flush_interval -1$/m);
    expect(caddyfile).toMatch(/^\s*health_uri \/healthz$/m);
    expect(caddyfile).toMatch(/^\{\$SCANIN_HOST\} \{$/m);
    expect(read('deploy/compose/compose.two-instances.yaml')).toContain('ISSUER=https://<SCANIN_HOST>, TRUST_PROXY=1');
  });
});
