// bench/groupClaims.ts compares a token request with groups and roles to one without only if
// that is what each one is: its refresh chains check every ID token (the groups and roles with
// the scope, neither without), so a short run on SQLite is the proof.
import { describe, expect, it } from 'vitest';
import { benchGroupClaims } from '../../bench/groupClaims.ts';

describe('the groups benchmark', () => {
  it('measures refreshes whose ID tokens carry groups and roles exactly when the scope asks', async () => {
    const rows = await benchGroupClaims('sqlite', { rounds: 1, scale: 0.01 });
    expect(rows.map((row) => [row.scope, row.requests])).toEqual([
      ['openid email offline_access', 20],
      ['openid email offline_access groups', 20],
    ]);
    for (const row of rows) expect(row.cpuMsPerRequest).toBeGreaterThan(0);
  }, 60_000);
});
