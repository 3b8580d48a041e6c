// Where rate-limit hits are counted. On PostgreSQL (several instances) each hit is in the
// database at once. On SQLite (one instance) the counts are kept in memory and added to the
// database in batches: decisions see every hit at once, the table catches up at each flush, a
// restart reads it back, and a write that fails loses nothing.
import { describe, expect, it } from 'vitest';
import { parseDatabaseUrl } from '../../src/config/env.ts';
import { createLogger } from '../../src/log/logger.ts';
import { openHitCounter, WriteBehindHitCounter, type HitCounter } from '../../src/ratelimit/hitCounters.ts';
import { countHit } from '../../src/store/rateLimits.ts';
import { useMigratedDatabase } from '../helpers/databases.ts';

const NOW = 1_000_030;
const WINDOW = [1_000_000, 1_000_060] as const;

function quietLog() {
  const lines: string[] = [];
  return { lines, log: createLogger('warn', { write: (line: string) => void lines.push(line) }) };
}

async function tableCounts(db: ReturnType<ReturnType<typeof useMigratedDatabase>['db']>) {
  const rows = (await db('rate_limits').orderBy(['rule', 'subject', 'window_start']).select('rule', 'subject', 'window_start', 'hits')) as Array<{ rule: string; subject: string; window_start: number; hits: number }>;
  return rows.map((row) => `${row.rule} ${row.subject} ${row.window_start}: ${row.hits}`);
}

describe('rate-limit hits on SQLite: counted in memory, written behind', () => {
  const { db } = useMigratedDatabase('sqlite');
  const open = (clock = () => NOW) => openHitCounter(parseDatabaseUrl('sqlite:unused.db'), db(), clock, quietLog().log);
  const hits = (counter: HitCounter, n: number, rule = 'auth_ip', subject = '192.0.2.1') =>
    Promise.all(Array.from({ length: n }, () => counter.hit(rule, subject, ...WINDOW)));

  it('counts concurrent hits exactly once each, before the database has any of them', async () => {
    const counter = await open();
    try {
      expect((await hits(counter, 40)).sort((a, b) => a - b)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
      expect(await tableCounts(db())).toEqual([]);
      await counter.flush();
      expect(await tableCounts(db())).toEqual(['auth_ip 192.0.2.1 1000000: 40']);
      // Only what was counted since is added at the next flush.
      await hits(counter, 2);
      await counter.hit('logout_ip', '192.0.2.1', ...WINDOW);
      await counter.flush();
      expect(await tableCounts(db())).toEqual(['auth_ip 192.0.2.1 1000000: 42', 'logout_ip 192.0.2.1 1000000: 1']);
    } finally {
      await counter.close();
    }
  });

  it('goes on from the written counts after a restart, and writes what it counted when it stops', async () => {
    const restarted = await open();
    expect(await restarted.hit('auth_ip', '192.0.2.1', ...WINDOW)).toBe(43);
    await restarted.close();
    expect(await tableCounts(db())).toContain('auth_ip 192.0.2.1 1000000: 43');
  });

  it('keeps the hits of a write that failed, and writes them with the next one', async () => {
    const { lines, log } = quietLog();
    const counter = await openHitCounter(parseDatabaseUrl('sqlite:unused.db'), db(), () => NOW, log);
    try {
      await hits(counter, 3, 'auth_ip', '192.0.2.9');
      await db().schema.renameTable('rate_limits', 'rate_limits_away');
      await counter.flush();
      expect(lines.join('')).toContain('rate-limit counts not written yet');
      await db().schema.renameTable('rate_limits_away', 'rate_limits');
      expect(await hits(counter, 1, 'auth_ip', '192.0.2.9')).toEqual([4]);
      await counter.flush();
      expect(await tableCounts(db())).toContain('auth_ip 192.0.2.9 1000000: 4');
    } finally {
      await counter.close();
    }
  });

  it('takes in at each write what another process counted in the same window', async () => {
    const counter = await open();
    try {
      await counter.hit('auth_ip', '192.0.2.20', ...WINDOW);
      await countHit(db(), 'auth_ip', '192.0.2.20', ...WINDOW);
      await counter.flush();
      expect(await counter.hit('auth_ip', '192.0.2.20', ...WINDOW)).toBe(3);
    } finally {
      await counter.close();
    }
  });

  it('forgets a window once it has passed and its hits are written', async () => {
    let now = NOW;
    const counter = await open(() => now);
    try {
      await counter.hit('auth_ip', '192.0.2.30', ...WINDOW);
      now = WINDOW[1];
      await counter.flush(); // writes the hit
      await counter.flush(); // drops the window
      await db()('rate_limits').where({ subject: '192.0.2.30' }).delete(); // as the sweep does
      expect(await counter.hit('auth_ip', '192.0.2.30', ...WINDOW)).toBe(1);
    } finally {
      await counter.close();
    }
  });

  it('keeps at most so many windows in memory; one it dropped is counted on from the database', async () => {
    let now = NOW;
    const counter = await WriteBehindHitCounter.open(db(), () => now, quietLog().log, 10);
    try {
      for (let i = 0; i < 12; i++) await counter.hit('auth_ip', `198.51.100.${i}`, ...WINDOW);
      await counter.hit('auth_ip', '198.51.100.0', ...WINDOW);
      await counter.flush(); // writes all, then drops the oldest windows written
      expect(await tableCounts(db())).toContain('auth_ip 198.51.100.0 1000000: 2');
      // Whichever were dropped, no window starts again from zero.
      const again = await Promise.all(Array.from({ length: 12 }, (_, i) => counter.hit('auth_ip', `198.51.100.${i}`, ...WINDOW)));
      expect(again).toEqual([3, ...Array.from({ length: 11 }, () => 2)]);
      // The oldest were dropped and counted in the table at once; the newest are still in memory.
      expect(await tableCounts(db())).toEqual(expect.arrayContaining(['auth_ip 198.51.100.0 1000000: 3', 'auth_ip 198.51.100.1 1000000: 2', 'auth_ip 198.51.100.11 1000000: 1']));
      await counter.flush();
      expect(await tableCounts(db())).toContain('auth_ip 198.51.100.11 1000000: 2');
      // Once the dropped windows have passed, a new window is counted in memory again.
      now = WINDOW[1];
      await counter.hit('auth_ip', '198.51.100.99', WINDOW[1], WINDOW[1] + 60);
      expect(await tableCounts(db())).not.toContain('auth_ip 198.51.100.99 1000060: 1');
    } finally {
      await counter.close();
    }
  });
});

describe('rate-limit hits on PostgreSQL: every hit in the shared database at once', () => {
  const { db } = useMigratedDatabase('postgres');

  it('counts concurrent hits exactly once each, with every instance', async () => {
    const [a, b] = await Promise.all([0, 1].map(() => openHitCounter(parseDatabaseUrl('postgres://unused/db'), db(), () => NOW, quietLog().log)));
    try {
      const counts = await Promise.all(Array.from({ length: 40 }, (_, i) => (i % 2 ? a! : b!).hit('auth_ip', '192.0.2.1', ...WINDOW)));
      expect(counts.sort((x, y) => x - y)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
      expect(await tableCounts(db())).toEqual(['auth_ip 192.0.2.1 1000000: 40']);
    } finally {
      await a!.close();
      await b!.close();
    }
  });
});
