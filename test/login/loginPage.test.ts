// The login page and the request it shows: its first view makes the interaction's first request
// in one statement; a reload shows the same request while it is open, and a new one (the next
// generation) once it ran out unanswered; the page's status agrees with what the page shows.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readLoginPage } from '../helpers/browser.ts';
import { openLoginPage } from '../helpers/login.ts';
import { discover } from '../helpers/rp.ts';
import { startTestScanin, type TestScanin } from '../helpers/scanin.ts';

describe('the login page', () => {
  let scanin: TestScanin;

  beforeAll(async () => {
    scanin = await startTestScanin();
  });
  afterAll(async () => {
    await scanin?.close();
  });

  const requestsOf = (uid: string) => scanin.services.db('login_requests').where({ uid }).orderBy('generation').select('rid', 'generation');

  it('shows the same request on a reload, and the next generation once it ran out unanswered', async () => {
    const statements: string[] = [];
    const record = (query: { sql: string }) => statements.push(query.sql);
    scanin.services.db.on('query', record);
    const login = await openLoginPage(await discover(scanin.issuer)).finally(() => scanin.services.db.off('query', record));
    // The first view inserts the request without reading for one first.
    expect(statements.filter((sql) => /login_requests/.test(sql)).map((sql) => sql.split(' ')[0])).toEqual(['insert']);
    expect(await requestsOf(login.uid)).toEqual([{ rid: login.rid, generation: 1 }]);

    const reload = async () => readLoginPage((await login.browser.fetch(login.interactionUrl)).body).rid;
    expect(await reload()).toBe(login.rid);
    expect(await requestsOf(login.uid)).toEqual([{ rid: login.rid, generation: 1 }]);

    await scanin.services.db('login_requests').where({ rid: login.rid }).update({ expires_at: scanin.services.clock() - 1 });
    const next = await reload();
    expect(next).not.toBe(login.rid);
    expect(await requestsOf(login.uid)).toEqual([{ rid: login.rid, generation: 1 }, { rid: next, generation: 2 }]);
    expect(await reload()).toBe(next);
    const status = await login.browser.fetch(`${login.interactionUrl}/status`, { accept: 'application/json' });
    expect(JSON.parse(status.body)).toMatchObject({ status: 'pending', qr: { url: `${scanin.issuer}/q/${next}` } });
    expect(await requestsOf(login.uid)).toHaveLength(2);
  });
});
