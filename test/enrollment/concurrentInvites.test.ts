// Concurrent invites for one person (two administrators, two `scanin invites create` at once):
// each cancels the person's open invites and makes a new one, so exactly one link may be left
// open, on both databases. On PostgreSQL the transactions really run side by side (a pool of
// connections); without the account row's lock each would see nothing open and all would stay.
import { describe, expect, it } from 'vitest';
import { systemClock } from '../../src/clock.ts';
import { invite } from '../../src/enrollment/invites.ts';
import { ensureAccount } from '../../src/store/accounts.ts';
import { DATABASE_KINDS, useMigratedDatabase } from '../helpers/databases.ts';

describe.each(DATABASE_KINDS)('concurrent invites for one person (%s)', (kind) => {
  const database = useMigratedDatabase(kind);

  it('leave exactly one open invite, the others cancelled, however many race', async () => {
    const db = database.db();
    const account = await ensureAccount(db, systemClock, 'raced@example.com', 'Raced Person');
    for (let round = 0; round < 3; round++) {
      const results = await Promise.all(Array.from({ length: 8 }, () => invite(db, systemClock, { email: 'raced@example.com', ttl: 3600 })));
      const open = await db('enrollments').where({ account_id: account.id, kind: 'invite', status: 'pending' });
      expect(open).toHaveLength(1);
      expect(results.map((result) => result.enrollment.eid)).toContain(open[0].eid);
      expect(await db('enrollments').where({ account_id: account.id, kind: 'invite' })).toHaveLength(8 * (round + 1));
    }
  });
});
