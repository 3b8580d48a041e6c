// The oidc-provider adapter and the settings store, on SQLite and on PostgreSQL alike.
import { describe, expect, it } from 'vitest';
import { knexAdapterFactory, sweepExpiredPayloads } from '../../src/oidc/adapter.ts';
import { getOrCreateSetting } from '../../src/store/settings.ts';
import { migrate } from '../../src/store/migrate.ts';
import { DATABASE_KINDS, useMigratedDatabase } from '../helpers/databases.ts';

describe.each(DATABASE_KINDS)('storage on %s', (kind) => {
  const database = useMigratedDatabase(kind);
  let now = 1_800_000_000;
  const clock = () => now;

  it('applies each migration once, however often it starts', async () => {
    expect(await migrate(database.db())).toEqual([]);
  });

  it('stores a payload and finds it by id, uid and user code until it expires', async () => {
    const Adapter = knexAdapterFactory(database.db(), clock);
    const sessions = new Adapter('Session');
    await sessions.upsert('s1', { uid: 'u1', userCode: 'UC-1', accountId: 'a' }, 60);
    expect(await sessions.find('s1')).toMatchObject({ accountId: 'a' });
    expect(await sessions.findByUid('u1')).toMatchObject({ accountId: 'a' });
    expect(await sessions.findByUserCode('UC-1')).toMatchObject({ accountId: 'a' });
    // Another model with the same id is another row.
    expect(await new Adapter('Grant').find('s1')).toBeUndefined();
    now += 61;
    expect(await sessions.find('s1')).toBeUndefined();
  });

  it('replaces a payload on upsert and keeps one without expiry for good', async () => {
    const clients = new (knexAdapterFactory(database.db(), clock))('Client');
    await clients.upsert('c1', { client_id: 'c1', v: 1 } as never, 0);
    await clients.upsert('c1', { client_id: 'c1', v: 2 } as never, 0);
    now += 10 * 365 * 86400;
    expect(await clients.find('c1')).toMatchObject({ v: 2 });
  });

  it('marks consumed payloads and destroys on request', async () => {
    const codes = new (knexAdapterFactory(database.db(), clock))('AuthorizationCode');
    await codes.upsert('code1', { grantId: 'g1' }, 60);
    expect((await codes.find('code1'))?.consumed).toBeUndefined();
    await codes.consume('code1');
    expect((await codes.find('code1'))?.consumed).toBe(now);
    await codes.destroy('code1');
    expect(await codes.find('code1')).toBeUndefined();
  });

  it("revokes every model's payloads of a grant", async () => {
    const Adapter = knexAdapterFactory(database.db(), clock);
    await new Adapter('AccessToken').upsert('at', { grantId: 'g2' }, 60);
    await new Adapter('RefreshToken').upsert('rt', { grantId: 'g2' }, 60);
    await new Adapter('AccessToken').upsert('other', { grantId: 'g3' }, 60);
    await new Adapter('Interaction').upsert('going-on', { grantId: 'g2' }, 60);
    await new Adapter('AccessToken').revokeByGrantId('g2');
    expect(await new Adapter('AccessToken').find('at')).toBeUndefined();
    expect(await new Adapter('RefreshToken').find('rt')).toBeUndefined();
    expect(await new Adapter('AccessToken').find('other')).toBeDefined();
    // A login that carries the grant goes on after it is revoked (an account switch's logout).
    expect(await new Adapter('Interaction').find('going-on')).toBeDefined();
  });

  it('sweeps expired payloads and only those', async () => {
    const Adapter = knexAdapterFactory(database.db(), clock);
    await new Adapter('Interaction').upsert('old', {}, 5);
    await new Adapter('Interaction').upsert('young', {}, 500);
    now += 10;
    expect(await sweepExpiredPayloads(database.db(), clock)).toBeGreaterThanOrEqual(1);
    expect(await database.db()('oidc_payloads').where({ model: 'Interaction', id: 'old' }).first()).toBeUndefined();
    expect(await new Adapter('Interaction').find('young')).toBeDefined();
  });

  it('keeps the first value of a setting when many instances create it at once', async () => {
    const values = await Promise.all(Array.from({ length: 10 }, (_, i) => getOrCreateSetting(database.db(), 'race', () => i)));
    expect(new Set(values).size).toBe(1);
  });
});
