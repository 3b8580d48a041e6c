// The account page on several instances sharing one PostgreSQL database, behind one address:
// a sign-in started on one instance finishes on another, the page and its CSRF tokens work on
// any instance and after a restart, signing out on one is signed out on all, and a fresh scan
// asked by one instance is taken and honoured by the others.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Authenticator } from '../../src/authenticator/authenticator.ts';
import { findAccountByEmail } from '../../src/store/accounts.ts';
import { findDevice } from '../../src/store/devices.ts';
import { TestBalancer } from '../helpers/balancer.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/databases.ts';
import { enrolledPhone } from '../helpers/login.ts';
import { startTestScanin, type TestScanin } from '../helpers/scanin.ts';
import { ageSignIns, csrfOf, enterAccountPage, finishSignIn, openAccountSignIn, post } from './accountBrowser.ts';

describe('the account page on several instances (PostgreSQL)', () => {
  let database: TestDatabase;
  let balancer: TestBalancer;
  let a: TestScanin;
  let b: TestScanin;
  let env: Record<string, string>;
  let phone: Authenticator;

  beforeAll(async () => {
    database = await createTestDatabase('postgres');
    balancer = await TestBalancer.start(() => `http://127.0.0.1:${a.port}`);
    env = { DATABASE_URL: database.url, ISSUER: balancer.url };
    a = await startTestScanin({ env });
    b = await startTestScanin({ env });
    phone = await enrolledPhone(a, 'ada@example.com');
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await balancer?.close();
    await database?.drop();
  });

  const to = (instance: () => TestScanin) => () => `http://127.0.0.1:${instance().port}`;

  it('signs in on one instance and finishes on the other; the page, its forms and sign-out hold everywhere and across a restart', async () => {
    // Everything on A but the callback, which B answers: nothing of the sign-in is in memory.
    balancer.route = (req) => (req.url!.startsWith('/account/callback') ? to(() => b)() : to(() => a)());
    const { browser, page } = await enterAccountPage(a, phone);
    expect(balancer.sent.some((line) => line.startsWith(`http://127.0.0.1:${b.port} GET /account/callback`))).toBe(true);
    const deviceId = (await phone.list())[0]!.device_id;

    // B shows the page and takes A's form token.
    balancer.route = to(() => b);
    expect((await browser.fetch(`${balancer.url}/account`)).status).toBe(200);
    expect((await post(a, browser, '/account/devices/rename', { device_id: deviceId, name: 'Renamed on B' }, csrfOf(page.body))).status).toBe(303);
    expect((await findDevice(b.services.db, deviceId))!.name).toBe('Renamed on B');

    // A restarts: the browser is still signed in there.
    await a.close();
    a = await startTestScanin({ env, dir: a.dir });
    balancer.route = to(() => a);
    const afterRestart = await browser.fetch(`${balancer.url}/account`);
    expect(afterRestart.status).toBe(200);
    expect(afterRestart.body).toContain('Renamed on B');

    // Signed out everywhere on B: A sends the browser to sign in again.
    balancer.route = to(() => b);
    expect((await post(b, browser, '/account/sessions/end-all', {}, csrfOf(afterRestart.body))).status).toBe(200);
    balancer.route = to(() => a);
    const signedOut = await browser.fetch(`${balancer.url}/account`);
    expect(signedOut.status).toBe(303);
    expect(signedOut.location).toContain('/account/login');
  });

  it('asks for a fresh scan on one instance, takes it across both, and the form then goes through on the first: the time is in the session row', async () => {
    balancer.route = to(() => a);
    const { browser, page } = await enterAccountPage(a, phone);
    await ageSignIns(a, (await findAccountByEmail(a.services.db, 'ada@example.com'))!.id, a.config.accountFreshScan + 1);
    // B refuses the form as A would: no instance remembers the sign-in's time but the database.
    balancer.route = to(() => b);
    const refused = await post(b, browser, '/account/recovery-codes', {}, csrfOf(page.body));
    expect(refused.location).toBe(`${balancer.url}/account/login?fresh=1&return_to=${encodeURIComponent('/account#recovery')}`);
    // The re-scan starts on B and its callback lands on A.
    balancer.route = (req) => (req.url!.startsWith('/account/callback') ? to(() => a)() : to(() => b)());
    const step = await openAccountSignIn(b, browser, refused.location!.slice(balancer.url.length));
    await phone.answer(step.qrUrl, 'approve');
    expect((await finishSignIn(b, step)).url).toBe(`${balancer.url}/account#recovery`);
    expect(balancer.sent.filter((line) => line.startsWith(`http://127.0.0.1:${a.port} GET /account/callback`)).length).toBeGreaterThan(0);
    balancer.route = to(() => a);
    const made = await post(a, browser, '/account/recovery-codes', {}, csrfOf(page.body));
    expect(made.status).toBe(200);
    expect(made.body.match(/<code>[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}<\/code>/g)).toHaveLength(10);
  });
});
