// The running instances of a database: the most recently started one that still says it runs
// gives its issuer; one stopped cleanly is gone at once, one that stopped answering after three
// missed heartbeats.
import { describe, expect, it } from 'vitest';
import { registerInstance, removeInstance, runningIssuer, STALE_SECONDS, touchInstance } from '../../src/store/instances.ts';
import { DATABASE_KINDS, useMigratedDatabase } from '../helpers/databases.ts';

describe.each(DATABASE_KINDS)('running instances on %s', (kind) => {
  const { db } = useMigratedDatabase(kind);

  it('answers the newest live instance, forgets a stopped one at once and a silent one after STALE_SECONDS', async () => {
    expect(await runningIssuer(db(), 1_000)).toBeUndefined();
    const first = await registerInstance(db(), 'http://127.0.0.1:3001', 1_000);
    const second = await registerInstance(db(), 'http://127.0.0.1:3002', 1_010);
    expect(await runningIssuer(db(), 1_020)).toBe('http://127.0.0.1:3002');

    await removeInstance(db(), second);
    expect(await runningIssuer(db(), 1_020)).toBe('http://127.0.0.1:3001');

    // No heartbeat for longer than STALE_SECONDS: crashed.
    expect(await runningIssuer(db(), 1_000 + STALE_SECONDS + 1)).toBeUndefined();
    await touchInstance(db(), first, 'http://127.0.0.1:3001', 1_000 + STALE_SECONDS);
    expect(await runningIssuer(db(), 1_000 + STALE_SECONDS + 1)).toBe('http://127.0.0.1:3001');

    // A start removes the rows of instances gone long since; a heartbeat writes its own back.
    await registerInstance(db(), 'http://127.0.0.1:3003', 10_000);
    expect(await db()('instances').pluck('issuer')).toEqual(['http://127.0.0.1:3003']);
    await touchInstance(db(), first, 'http://127.0.0.1:3001', 10_001);
    expect((await db()('instances').orderBy('issuer').pluck('issuer'))).toEqual(['http://127.0.0.1:3001', 'http://127.0.0.1:3003']);
  });
});
