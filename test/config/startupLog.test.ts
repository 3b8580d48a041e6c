// What Scanin says about itself when it starts: the database it uses (never a password), and,
// only when it happens, the migrations it applied and the keys and secrets it generated (never
// their private parts), as JSON log lines an operator reads to see what changed.
import { describe, expect, it } from 'vitest';
import { systemClock } from '../../src/clock.ts';
import { loadConfig } from '../../src/config/env.ts';
import { startScanin } from '../../src/server.ts';
import { connectDatabase } from '../../src/store/db.ts';
import { createTestDatabase } from '../helpers/databases.ts';
import { testDir, testEnv } from '../helpers/scanin.ts';

type Line = Record<string, unknown>;

/** Starts and stops a Scanin with `env` over testEnv(dir), and returns its log lines. */
async function startLog(dir: string, env: Record<string, string> = {}): Promise<Line[]> {
  const lines: Line[] = [];
  const scanin = await startScanin(loadConfig(testEnv(dir, { LOG_LEVEL: 'info', ...env })), systemClock, {
    logDestination: { write: (line: string) => void lines.push(JSON.parse(line) as Line) },
  });
  await scanin.close();
  return lines;
}

describe('the start log', () => {
  it('names the SQLite file it opened, as an absolute path', async () => {
    const dir = testDir();
    const lines = await startLog(dir, { DATABASE_URL: `sqlite:${dir}/./scanin.db` });
    expect(lines).toContainEqual(expect.objectContaining({ level: 'info', msg: 'database opened', database: `${dir}/scanin.db` }));
  });

  it('names the PostgreSQL server and database it opened, without the password', async () => {
    const database = await createTestDatabase('postgres');
    try {
      const url = new URL(database.url);
      url.password = 'hunter2-secret';
      const lines = await startLog(testDir(), { DATABASE_URL: url.href });
      const opened = lines.find((line) => line.msg === 'database opened');
      expect(opened?.database).toBe(`postgres://${url.username ? `${url.username}@` : ''}${url.host}${url.pathname}`);
      expect(JSON.stringify(lines)).not.toContain('hunter2-secret');
    } finally {
      await database.drop();
    }
  });

  it('says once which migrations it applied and which keys and secrets it generated, by name, kid and alg only', async () => {
    const dir = testDir();
    const first = await startLog(dir);
    const migrations = first.find((line) => line.msg === `applied ${(line.migrations as unknown[] | undefined)?.length} migration(s)`);
    expect(migrations?.migrations).toEqual(expect.arrayContaining(['001_initial']));
    expect(first.find((line) => line.msg === 'signing keys generated')?.keys).toEqual([
      { kid: expect.any(String), alg: 'RS256' },
      { kid: expect.any(String), alg: 'ES256' },
    ]);
    expect(first.filter((line) => String(line.msg).startsWith('generated ')).map((line) => [line.level, line.what])).toEqual([
      ['info', 'the cookie secrets'],
      ['info', 'the VAPID key'],
    ]);

    // What was made is in the database, and none of it in the log.
    const db = await connectDatabase(loadConfig(testEnv(dir)).database);
    try {
      const stored = JSON.stringify([await db('settings').select('value'), await db('signing_keys').select('jwk')]);
      const secrets = [...stored.matchAll(/\\"(?:d|p|q|privateKey)\\":\\"([\w-]{20,})|\[\\"([\w-]{40,})\\"\]/g)].map((match) => match[1] ?? match[2]);
      expect(secrets.length).toBeGreaterThanOrEqual(5);
      for (const secret of secrets) expect(JSON.stringify(first)).not.toContain(secret);
    } finally {
      await db.destroy();
    }

    const again = await startLog(dir);
    expect(again.map((line) => line.msg)).not.toContainEqual(expect.stringMatching(/migration|generated/));
  });

  it('with COOKIE_KEYS, generates no cookie secret and says none', async () => {
    const lines = await startLog(testDir(), { COOKIE_KEYS: 'k'.repeat(32) });
    expect(lines.map((line) => line.what)).not.toContain('the cookie secrets');
  });
});
