// /healthz says the process answers; /readyz says this instance can serve: the database answers
// and its migrations are current. A dropped database connection or a missing migration makes it
// 503 with the reason, and it recovers by itself when the cause goes away.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { admin as asAdmin, createTestDatabase, type TestDatabase } from '../helpers/databases.ts';
import { freePort, startTestScanin, type TestScanin } from '../helpers/scanin.ts';

async function probe(scanin: TestScanin, path: string): Promise<{ status: number; body: Record<string, unknown>; cache: string | null }> {
  const response = await fetch(`${scanin.issuer}${path}`);
  return { status: response.status, body: (await response.json()) as Record<string, unknown>, cache: response.headers.get('cache-control') };
}

describe('health and readiness on SQLite', () => {
  let scanin: TestScanin;
  beforeAll(async () => {
    scanin = await startTestScanin();
  });
  afterAll(async () => {
    await scanin?.close();
  });

  it('answers /healthz and /readyz with 200 and JSON that no cache keeps; /healthz names the version in package.json', async () => {
    const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
    expect(version).toMatch(/^\d+\.\d+\.\d+$/);
    expect(await probe(scanin, '/healthz')).toEqual({ status: 200, body: { status: 'ok', version, node: process.version }, cache: 'no-store' });
    expect(await probe(scanin, '/readyz')).toEqual({ status: 200, body: { status: 'ready' }, cache: 'no-store' });
  });

  it('is not ready while a migration this code knows is not applied, and says which', async () => {
    const { db } = scanin.services;
    const row = (await db('knex_migrations').where({ name: '001_initial' }).first()) as Record<string, unknown>;
    await db('knex_migrations').where({ name: '001_initial' }).delete();
    try {
      const answer = await probe(scanin, '/readyz');
      expect(answer.status).toBe(503);
      expect(answer.body).toEqual({ status: 'unavailable', reason: 'migrations not applied: 001_initial' });
      expect((await probe(scanin, '/healthz')).status).toBe(200);
    } finally {
      await db('knex_migrations').insert(row);
    }
    expect((await probe(scanin, '/readyz')).status).toBe(200);
  });

  it('is still ready when the database has a migration from a newer version (a rolling upgrade)', async () => {
    const { db } = scanin.services;
    await db('knex_migrations').insert({ name: '999_from_the_future', batch: 99, migration_time: new Date() });
    try {
      expect((await probe(scanin, '/readyz')).status).toBe(200);
    } finally {
      await db('knex_migrations').where({ name: '999_from_the_future' }).delete();
    }
  });

  it('answers another method with a JSON 405, and changes nothing', async () => {
    const response = await fetch(`${scanin.issuer}/readyz`, { method: 'POST', headers: { accept: 'application/json' } });
    expect(response.status).toBe(405);
    expect(((await response.json()) as { error: string }).error).toBeTypeOf('string');
  });
});

describe('health under an issuer with a path', () => {
  let scanin: TestScanin;
  let origin: string;
  beforeAll(async () => {
    const port = await freePort();
    origin = `http://127.0.0.1:${port}`;
    scanin = await startTestScanin({ env: { PORT: String(port), ISSUER: `${origin}/sso` } });
  });
  afterAll(async () => {
    await scanin?.close();
  });

  it('answers at the issuer\'s base, like every other route, and not outside it', async () => {
    expect(await probe(scanin, '/healthz')).toMatchObject({ status: 200, body: { status: 'ok' } });
    expect(await probe(scanin, '/readyz')).toMatchObject({ status: 200, body: { status: 'ready' } });
    expect((await fetch(`${origin}/healthz`, { headers: { accept: 'application/json' } })).status).toBe(404);
  });
});

describe('readiness on PostgreSQL when the database becomes unreachable', () => {
  let database: TestDatabase;
  let scanin: TestScanin;
  const name = () => new URL(database.url).pathname.slice(1);

  const admin = (sql: string) => asAdmin((client) => client.query(sql));

  beforeAll(async () => {
    database = await createTestDatabase('postgres');
    scanin = await startTestScanin({ env: { DATABASE_URL: database.url } });
  });
  afterAll(async () => {
    await scanin?.close();
    await admin(`ALTER DATABASE ${name()} ALLOW_CONNECTIONS true`).catch(() => undefined);
    await database?.drop();
  });

  it('goes 503 with the reason while its connections are cut and refused, and back to 200 after', async () => {
    expect((await probe(scanin, '/readyz')).status).toBe(200);

    // What a failover or a database restart looks like from here: every connection terminated,
    // and new ones refused.
    await admin(`ALTER DATABASE ${name()} ALLOW_CONNECTIONS false`);
    await admin(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '${name()}' AND pid <> pg_backend_pid()`);
    const down = await probe(scanin, '/readyz');
    expect(down.status).toBe(503);
    expect(down.body.status).toBe('unavailable');
    expect(down.body.reason).toMatch(/^database unreachable: /);
    expect(down.cache).toBe('no-store');
    // Alive all the same: restarting the process would not bring the database back.
    expect((await probe(scanin, '/healthz')).status).toBe(200);

    await admin(`ALTER DATABASE ${name()} ALLOW_CONNECTIONS true`);
    expect(await probe(scanin, '/readyz')).toEqual({ status: 200, body: { status: 'ready' }, cache: 'no-store' });
    // And the rest of Scanin works again too.
    expect((await fetch(`${scanin.issuer}/.well-known/openid-configuration`)).status).toBe(200);
  });
});
