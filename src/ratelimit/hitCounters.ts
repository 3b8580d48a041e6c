// Where rate-limit hits are counted: one interface, two implementations, chosen by DATABASE_URL
// (as the event bus is). Several instances can only share a PostgreSQL database, and there every
// hit is one atomic upsert in it, so all instances count the same hits. SQLite serves a single
// instance, which is then the only one counting: it keeps the counts in memory, where its
// decisions are made, and adds what it counted to the database once a second and when it stops,
// in one statement. That spares a statement per hit: four per QR login, two per inbox poll.
// What a crash can lose is the last second's hits, never a refusal already made; a restart
// reads the counts back. Memory is bounded: past WINDOWS_IN_MEMORY windows, written ones are
// dropped, and until their windows pass, a window not in memory is counted in the database.
import type { Clock } from '../clock.ts';
import type { DatabaseConfig } from '../config/env.ts';
import type { Logger } from '../log/logger.ts';
import type { Db } from '../store/db.ts';
import { addHits, countHit, liveRateLimits, type RateLimitCount } from '../store/rateLimits.ts';

export interface HitCounter {
  /** Counts one hit in a rule's window for a subject; the window's count with it. */
  hit(rule: string, subject: string, windowStart: number, expiresAt: number): Promise<number>;
  /** Has the database hold every hit counted so far (tests read the table). */
  flush(): Promise<void>;
  /** Flushes, and counts nothing more. */
  close(): Promise<void>;
}

/** How often the single instance on SQLite adds its hits to the database. */
const WRITE_BEHIND_MS = 1000;

/** Rows per statement when hits are added in batches: well under SQLite's 32766 parameters. */
const ROWS_PER_STATEMENT = 1000;

/**
 * Windows kept in memory at most (a few hundred bytes each), against a flood from many addresses
 * (an IPv6 attacker has plenty). Past it, windows already written are dropped, oldest first.
 */
const WINDOWS_IN_MEMORY = 100_000;

export async function openHitCounter(database: DatabaseConfig, db: Db, clock: Clock, log: Logger): Promise<HitCounter> {
  if (database.client === 'postgres') return new DatabaseHitCounter(db);
  return WriteBehindHitCounter.open(db, clock, log);
}

class DatabaseHitCounter implements HitCounter {
  constructor(private readonly db: Db) {}

  hit(rule: string, subject: string, windowStart: number, expiresAt: number): Promise<number> {
    return countHit(this.db, rule, subject, windowStart, expiresAt);
  }

  flush(): Promise<void> {
    return Promise.resolve();
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

/** A window's count as this instance knows it, and how many of its hits the database lacks. */
type Count = RateLimitCount & { unwritten: number };

const keyOf = (rule: string, subject: string, windowStart: number) => `${rule}\n${subject}\n${windowStart}`;

export class WriteBehindHitCounter implements HitCounter {
  private readonly counts = new Map<string, Count>();
  private readonly timer: NodeJS.Timeout;
  /** Writes one at a time, so that a batch's returned counts never overtake a later batch's. */
  private writing: Promise<void> = Promise.resolve();
  /** Until then, a window missing from memory may have been dropped, its count only in the database. */
  private droppedUntil = 0;

  private constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly log: Logger,
    private readonly maxWindows: number,
  ) {
    this.timer = setInterval(() => void this.flush(), WRITE_BEHIND_MS);
    this.timer.unref();
  }

  /** Starts from the counts in the database, so that a restart forgets nothing that was written. */
  static async open(db: Db, clock: Clock, log: Logger, maxWindows = WINDOWS_IN_MEMORY): Promise<WriteBehindHitCounter> {
    const counter = new WriteBehindHitCounter(db, clock, log, maxWindows);
    for (const row of await liveRateLimits(db, clock())) counter.counts.set(keyOf(row.rule, row.subject, row.window_start), { ...row, unwritten: 0 });
    return counter;
  }

  hit(rule: string, subject: string, windowStart: number, expiresAt: number): Promise<number> {
    const key = keyOf(rule, subject, windowStart);
    const count = this.counts.get(key);
    if (count) {
      count.hits += 1;
      count.unwritten += 1;
      return Promise.resolve(count.hits);
    }
    if (this.clock() < this.droppedUntil) return this.hitInDatabase(key, { rule, subject, window_start: windowStart, expires_at: expiresAt, hits: 1 });
    this.counts.set(key, { rule, subject, window_start: windowStart, expires_at: expiresAt, hits: 1, unwritten: 1 });
    return Promise.resolve(1);
  }

  /** A window that may have been dropped: counted where its count is, then kept in memory again. */
  private async hitInDatabase(key: string, hit: RateLimitCount): Promise<number> {
    const hits = await countHit(this.db, hit.rule, hit.subject, hit.window_start, hit.expires_at);
    // Concurrent hits on the window each counted there, and each keeps the highest count seen.
    const count = this.counts.get(key);
    if (count) count.hits = Math.max(count.hits, hits + count.unwritten);
    else this.counts.set(key, { ...hit, hits, unwritten: 0 });
    return hits;
  }

  flush(): Promise<void> {
    this.writing = this.writing.then(() => this.write());
    return this.writing;
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
  }

  private async write(): Promise<void> {
    const now = this.clock();
    const batch: Count[] = [];
    for (const [key, count] of this.counts) {
      if (count.unwritten > 0) batch.push(count);
      else if (count.expires_at <= now) this.counts.delete(key); // its window has passed, and the sweep removes its row
    }
    for (let i = 0; i < batch.length; i += ROWS_PER_STATEMENT) {
      const chunk = batch.slice(i, i + ROWS_PER_STATEMENT);
      const taken = chunk.map((count) => count.unwritten);
      for (const count of chunk) count.unwritten = 0;
      try {
        const written = await addHits(this.db, chunk.map((count, j) => ({ rule: count.rule, subject: count.subject, window_start: count.window_start, expires_at: count.expires_at, hits: taken[j]! })));
        for (const row of written) {
          const count = this.counts.get(keyOf(row.rule, row.subject, row.window_start));
          // The database's count plus what was counted since; more than this instance's own
          // only if another process counted there too (SQLite serves one instance).
          if (count) count.hits = Math.max(count.hits, row.hits + count.unwritten);
        }
      } catch (error) {
        chunk.forEach((count, j) => (count.unwritten += taken[j]!));
        this.log.warn({ err: error }, 'rate-limit counts not written yet; retrying');
      }
    }
    this.dropWritten();
  }

  /** Past the limit, drops written windows, oldest first, down to nine tenths of it. */
  private dropWritten(): void {
    if (this.counts.size <= this.maxWindows) return;
    for (const [key, count] of this.counts) {
      if (this.counts.size <= this.maxWindows * 0.9) break;
      if (count.unwritten > 0) continue;
      this.counts.delete(key);
      this.droppedUntil = Math.max(this.droppedUntil, count.expires_at);
    }
  }
}
