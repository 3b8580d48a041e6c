// bench/sqliteDrivers.ts compares drivers only if each of them does the same work: the captured
// statements of real logins, replayed on copies of the file they ran on, must answer the same rows
// and write the same rows through every driver.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { captureLogins, DRIVERS, openDrivers, replay, tableCounts, tableNames, type Capture, type Driver } from '../../bench/sqliteDrivers.ts';

const LOGINS = 3;

describe('the SQLite drivers benchmark replays real logins alike on every driver', () => {
  let capture: Capture;
  let drivers: Driver[];

  beforeAll(async () => {
    capture = await captureLogins(LOGINS);
    drivers = await openDrivers(capture);
  });
  afterAll(async () => {
    for (const driver of drivers ?? []) await driver.close();
  });

  it('captures every login, each with the reads and writes of a QR login', () => {
    expect(capture.logins).toHaveLength(LOGINS);
    for (const login of capture.logins) {
      expect(login.some(({ sql }) => /^insert into `login_requests`/.test(sql))).toBe(true);
      expect(login.some(({ sql }) => /^select/.test(sql))).toBe(true);
    }
  });

  it('answers the same rows for every statement and leaves the same tables on every driver', async () => {
    expect(drivers.map((driver) => driver.name)).toEqual([...DRIVERS]);
    const tables = tableNames(capture);
    const before = await tableCounts(drivers[0]!, tables);
    const results = [];
    for (const driver of drivers) results.push({ ...(await replay(driver, capture.logins, 2)), counts: await tableCounts(driver, tables) });
    const [scanin, ...others] = results;
    // The reads found what the writes before them wrote: a login reads its login request back, the phone its device.
    expect(scanin!.rows.filter((rows) => rows > 0).length).toBeGreaterThanOrEqual(LOGINS * 5);
    expect(scanin!.rows).toHaveLength(capture.logins.flat().length);
    // One audit entry and one login request per login, written through each driver.
    expect(scanin!.counts.audit_log! - before.audit_log!).toBe(LOGINS);
    expect(scanin!.counts.login_requests! - before.login_requests!).toBe(LOGINS);
    for (const other of others) {
      expect(other.rows).toEqual(scanin!.rows);
      expect(other.counts).toEqual(scanin!.counts);
    }
  });
});
