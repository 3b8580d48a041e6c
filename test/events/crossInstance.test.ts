// Several instances on one PostgreSQL behind a load balancer: a phone's answer reaches the
// browser whichever instance holds its event stream, a lost LISTEN connection loses no approval,
// and an instance killed mid-login loses nothing the other instance needs to finish.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Authenticator } from '../../src/authenticator/authenticator.ts';
import { answerLoginRequest } from '../../src/store/loginRequests.ts';
import { splitRoute, TestBalancer } from '../helpers/balancer.ts';
import { TestBrowser } from '../helpers/browser.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/databases.ts';
import { completeLogin, enrolledPhone, openEvents, openLoginPage, type OpenLogin } from '../helpers/login.ts';
import { spawnScanin, type ScaninProcess } from '../helpers/process.ts';
import { authorizationRequest, discover, redeem } from '../helpers/rp.ts';
import { startTestScanin, testDir, testEnv, type TestScanin } from '../helpers/scanin.ts';
import type * as oidc from 'openid-client';

const direct = (port: number) => `http://127.0.0.1:${port}`;

describe('two Scanin instances on one PostgreSQL behind a load balancer', () => {
  let database: TestDatabase;
  let balancer: TestBalancer;
  let a: TestScanin;
  let b: TestScanin;
  let killed: ScaninProcess | undefined;
  let config: oidc.Configuration;
  let phone: Authenticator;
  let alice: string;

  const approved = (login: OpenLogin) => ({ type: 'approved', data: { complete_url: `/interaction/${login.uid}/complete`, account: expect.any(String) } });

  /** Runs `sql` on the test database; returns the rows. */
  async function query(sql: string): Promise<Record<string, unknown>[]> {
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    try {
      return (await client.query(sql)).rows as Record<string, unknown>[];
    } finally {
      await client.end();
    }
  }
  const listeners = async () => Number((await query(`select count(*) as n from pg_stat_activity where application_name = 'scanin-events' and datname = current_database()`))[0]!.n);

  async function signedInSub(login: OpenLogin): Promise<string> {
    const tokens = await redeem(config, await completeLogin(a, login), login.auth);
    return tokens.claims()!.sub;
  }

  beforeAll(async () => {
    database = await createTestDatabase('postgres');
    balancer = await TestBalancer.start(() => direct(a.port));
    const env = { DATABASE_URL: database.url, ISSUER: balancer.url, NUMBER_MATCHING: 'false' };
    a = await startTestScanin({ env });
    b = await startTestScanin({ env });
    config = await discover(balancer.url);
    phone = await enrolledPhone(a, 'alice@example.com');
    alice = (await query(`select id from accounts where email = 'alice@example.com'`))[0]!.id as string;
  });
  afterAll(async () => {
    killed?.child.kill('SIGKILL');
    await a?.close();
    await b?.close();
    await balancer?.close();
    await database?.drop();
  });

  it('wakes the browser waiting on A when the phone reads and answers on B; the login completes on A', async () => {
    balancer.route = splitRoute(() => direct(a.port), () => direct(b.port));
    const login = await openLoginPage(config);
    const events = await openEvents(login);

    const request = await phone.fetchLoginRequest(login.qrUrl);
    expect(await events.next()).toEqual({ type: 'scanned', data: {} });
    expect((await phone.answerRequest(request, 'approve')).status).toBe('approved');
    expect(await events.next()).toEqual(approved(login));
    expect(await signedInSub(login)).toBe(alice);

    // The stream was held by A, the phone was served by B.
    expect(balancer.sent).toContain(`${direct(a.port)} GET /interaction/${login.uid}/events`);
    expect(balancer.sent).toContain(`${direct(b.port)} GET /device/v1/requests/${login.rid}`);
    expect(balancer.sent).toContain(`${direct(b.port)} POST /device/v1/requests/${login.rid}`);
    expect(balancer.sent.filter((line) => line.includes(login.rid) && line.startsWith(direct(a.port)))).toEqual([]);
  });

  it('keeps one listening connection per instance, however many browsers wait', async () => {
    balancer.route = () => direct(a.port);
    const logins = await Promise.all(Array.from({ length: 5 }, () => openLoginPage(config)));
    const streams = await Promise.all(logins.map(openEvents));
    expect(await listeners()).toBe(2);
    for (const stream of streams) stream.close();
  });

  it('loses no approval when PostgreSQL drops the listening connections while browsers wait', async () => {
    balancer.route = splitRoute(() => direct(a.port), () => direct(b.port));
    const logins = await Promise.all(Array.from({ length: 3 }, () => openLoginPage(config)));
    const streams = await Promise.all(logins.map(openEvents));

    // An approval no instance announced (written straight to the database), then the listeners
    // dropped: once A listens again, its waiting stream reads the state again and finds it.
    // (Its QR code lives 60 s: only the re-read can tell the browser within the wait below.)
    expect(await answerLoginRequest(a.services.db, logins[0]!.rid, { status: 'approved', device_id: 'elsewhere', account_id: alice }, a.services.clock())).toBe(true);
    const dropped = await query(`select pg_terminate_backend(pid) from pg_stat_activity where application_name = 'scanin-events' and datname = current_database()`);
    expect(dropped).toHaveLength(2);
    expect(await streams[0]!.next()).toEqual(approved(logins[0]!));

    // The phone answers on B right away, whether or not A listens again yet.
    await phone.answer(logins[1]!.qrUrl, 'approve');
    expect((await streams[1]!.next()).type).toBe('scanned');
    expect(await streams[1]!.next()).toEqual(approved(logins[1]!));

    // Both listen again, and the next approval on B reaches A as usual.
    while ((await listeners()) < 2) await new Promise((resolve) => setTimeout(resolve, 50));
    await phone.answer(logins[2]!.qrUrl, 'approve');
    expect((await streams[2]!.next()).type).toBe('scanned');
    expect(await streams[2]!.next()).toEqual(approved(logins[2]!));
    expect(await signedInSub(logins[2]!)).toBe(alice);
  });

  it('loses no enrollment, grant or approved login when an instance is killed (SIGKILL) mid-login; the other goes on', { timeout: 60_000 }, async () => {
    killed = await spawnScanin(testEnv(testDir(), { DATABASE_URL: database.url, ISSUER: balancer.url, NUMBER_MATCHING: 'false', PORT: '0', HOST: '127.0.0.1' }));
    const doomed = direct(killed.port);
    balancer.route = () => doomed;

    // On the doomed instance: a phone enrolls; one login finishes (session and grant); one is
    // approved but not completed; one waits on its QR code; more are under way.
    const newPhone = await enrolledPhone(a, 'kate@example.com', 'kate-phone.json');
    const signedIn = await openLoginPage(config);
    await phone.answer(signedIn.qrUrl, 'approve');
    expect(await signedInSub(signedIn)).toBe(alice);
    const approvedOnly = await openLoginPage(config);
    await newPhone.answer(approvedOnly.qrUrl, 'approve');
    const waiting = await openLoginPage(config);
    const waitingEvents = await openEvents(waiting);
    const underWay = Array.from({ length: 4 }, () => openLoginPage(config).then((login) => phone.answer(login.qrUrl, 'approve')).catch(() => 'cut short'));

    killed.child.kill('SIGKILL');
    await killed.exited;
    await Promise.all(underWay);
    balancer.route = () => direct(b.port);

    // The approved login completes on B, as the phone's owner.
    const kate = (await query(`select id from accounts where email = 'kate@example.com'`))[0]!.id as string;
    expect(await signedInSub(approvedOnly)).toBe(kate);

    // The browser that had signed in is still signed in: its session and grant were kept.
    const again = await authorizationRequest(config);
    const { leftTo } = await signedIn.browser.follow(again.url, balancer.url);
    expect(leftTo).toMatch(/^http:\/\/127\.0\.0\.1:9\/callback\?code=/);
    expect((await redeem(config, leftTo!, again)).claims()!.sub).toBe(alice);

    // The waiting browser's stream ended with its instance; reconnected (to B), it hears the phone.
    await expect(waitingEvents.next()).rejects.toThrow('the event stream ended');
    const reconnected = await openEvents(waiting);
    await phone.answer(waiting.qrUrl, 'approve');
    expect((await reconnected.next()).type).toBe('scanned');
    expect(await reconnected.next()).toEqual(approved(waiting));
    expect(await signedInSub(waiting)).toBe(alice);

    // The phone enrolled on the dead instance signs in on B from a new browser.
    const fresh = await openLoginPage(config, new TestBrowser());
    await newPhone.answer(fresh.qrUrl, 'approve');
    expect(await signedInSub(fresh)).toBe(kate);
  });
});
