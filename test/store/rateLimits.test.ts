// Rate-limit counters: one atomic upsert per hit, on SQLite and PostgreSQL, so concurrent hits
// (from one instance or several) are each counted exactly once.
import { describe, expect, it } from 'vitest';
import { countHit, sweepRateLimits } from '../../src/store/rateLimits.ts';
import { DATABASE_KINDS, useMigratedDatabase } from '../helpers/databases.ts';

describe.each(DATABASE_KINDS)('rate-limit counters on %s', (kind) => {
  const { db } = useMigratedDatabase(kind);

  it('counts concurrent hits exactly once each', async () => {
    const counts = await Promise.all(Array.from({ length: 40 }, () => countHit(db(), 'auth_ip', '192.0.2.1', 1000, 1060)));
    expect(counts.sort((a, b) => a - b)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
  });

  it('keeps windows, rules and subjects apart', async () => {
    expect(await countHit(db(), 'auth_ip', '192.0.2.1', 1060, 1120)).toBe(1);
    expect(await countHit(db(), 'logout_ip', '192.0.2.1', 1000, 1060)).toBe(1);
    expect(await countHit(db(), 'auth_ip', '192.0.2.2', 1000, 1060)).toBe(1);
  });

  it('sweeps windows that have passed', async () => {
    expect(await sweepRateLimits(db(), 1060)).toBe(3);
    expect(await countHit(db(), 'auth_ip', '192.0.2.1', 1060, 1120)).toBe(2);
  });
});
