// What Scanin says about itself when it starts: the database it uses (never a password), as JSON
// log lines an operator reads to see that the configuration is the one meant.
import { describe, expect, it } from 'vitest';
import { systemClock } from '../../src/clock.ts';
import { loadConfig } from '../../src/config/env.ts';
import { startScanin } from '../../src/server.ts';
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
});
