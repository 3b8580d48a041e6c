// Number matching (NUMBER_MATCHING=true): the browser shows a 2-digit number, the phone offers
// three; approving takes the one on the screen as `num`. A wrong number denies the request for
// good — the one bad answer that changes state, and only after the assertion itself passed.
import { describe, expect, it } from 'vitest';
import { revokeDevice } from '../../src/store/devices.ts';
import { findLoginRequest } from '../../src/store/loginRequests.ts';
import {
  answerLogin,
  call,
  enrollDevice,
  expectError,
  loginAssertion,
  requestPath,
  useScaninWithPhone,
  signedRead,
  waitingLogin,
  type WaitingLogin,
} from '../helpers/device.ts';
import { shownNumber } from '../helpers/login.ts';

const world = useScaninWithPhone({ NUMBER_MATCHING: 'true' });

type Scanned = { login: WaitingLogin; choices: string[]; shown: string };

/** The browser waits, the world.phone fetches the request: the choices it got, the number the browser shows. */
async function scan(): Promise<Scanned> {
  const login = await waitingLogin(world.scanin, { scanned: false });
  const fetched = await signedRead(world.scanin, login.rid, world.phone);
  expect(fetched.status, fetched.text).toBe(200);
  const event = await login.events.next();
  expect(event).toEqual({ type: 'scanned', data: {} });
  login.published.length = 0;
  return { login, choices: fetched.body.number_choices as string[], shown: (await shownNumber(login))! };
}

function wrongChoice({ choices, shown }: Scanned): string {
  return choices.find((choice) => choice !== shown)!;
}

describe('what the world.phone and the browser are shown', () => {
  it('GET answers number_choices: three distinct 2-digit strings', async () => {
    const { choices, login } = await scan();
    expect(choices).toHaveLength(3);
    expect(new Set(choices).size).toBe(3);
    for (const choice of choices) expect(choice).toMatch(/^\d{2}$/);
    login.events.close();
  });

  it("the sign-in page shows the number (never an event or /status), and it is one of the world.phone's choices", async () => {
    const { choices, shown, login } = await scan();
    expect(shown).toMatch(/^\d{2}$/);
    expect(choices).toContain(shown);
    expect((await findLoginRequest(world.scanin.services.db, login.rid))!.match_number).toBe(shown);
    login.events.close();
  });

  it('the right number is not always in the same place among the choices', async () => {
    const places = new Set<number>();
    for (let i = 0; i < 30 && places.size < 2; i++) {
      const { choices, shown, login } = await scan();
      places.add(choices.indexOf(shown));
      login.events.close();
    }
    expect(places.size).toBeGreaterThan(1);
  });
});

describe('answering with a number', () => {
  it('approving with the number the browser shows answers 200 approved, and the browser gets approved', async () => {
    const { login, shown } = await scan();
    const answer = await answerLogin(world.scanin, login.rid, loginAssertion(world.scanin, world.phone, login, { num: shown }));
    expect(answer.status, answer.text).toBe(200);
    expect(answer.body).toEqual({ status: 'approved' });
    expect(await findLoginRequest(world.scanin.services.db, login.rid)).toMatchObject({ status: 'approved', account_id: world.phone.accountId });
    expect((await login.events.next()).type).toBe('approved');
    login.events.close();
  });

  it('denying needs no number', async () => {
    const { login } = await scan();
    const answer = await answerLogin(world.scanin, login.rid, loginAssertion(world.scanin, world.phone, login, { decision: 'deny' }));
    expect(answer.status, answer.text).toBe(200);
    expect(answer.body).toEqual({ status: 'denied' });
    expect((await login.events.next()).type).toBe('denied');
  });

  it.each([
    { rule: 'one of the other two choices', num: (scanned: Scanned) => wrongChoice(scanned) },
    { rule: 'no num at all', num: () => undefined },
  ])('approving with $rule gets 400 wrong_number, and the request is denied for good', async ({ num }) => {
    const scanned = await scan();
    const { login, shown } = scanned;
    expectError(await answerLogin(world.scanin, login.rid, loginAssertion(world.scanin, world.phone, login, { num: num(scanned) })), 400, 'wrong_number');

    expect(await findLoginRequest(world.scanin.services.db, login.rid)).toMatchObject({ status: 'denied', account_id: null });
    expect(await login.events.next()).toEqual({ type: 'denied', data: {} });
    // The right number now comes too late: the request is over.
    expectError(await answerLogin(world.scanin, login.rid, loginAssertion(world.scanin, world.phone, login, { num: shown })), 409, 'already_answered');
    expectError(await call(world.scanin, 'GET', requestPath(login.rid)), 409, 'already_answered');
    expect((await findLoginRequest(world.scanin.services.db, login.rid))!.status).toBe('denied');
    expect(login.published.map((event) => event.type)).toEqual(['denied']);
  });

  it('after a wrong number, /complete sends the browser back to the app with error=access_denied, described as a wrong number', async () => {
    const scanned = await scan();
    const { login } = scanned;
    expectError(await answerLogin(world.scanin, login.rid, loginAssertion(world.scanin, world.phone, login, { num: wrongChoice(scanned) })), 400, 'wrong_number');
    const { leftTo } = await login.browser.follow(`${login.interactionUrl}/complete`, world.scanin.issuer);
    expect(new URL(leftTo!).searchParams.get('error')).toBe('access_denied');
    expect(new URL(leftTo!).searchParams.get('error_description')).toBe('The wrong number was picked on the phone.');
    expect(new URL(leftTo!).searchParams.has('code')).toBe(false);
  });

  it('after a plain denial, the app reads that the sign-in was denied on the phone', async () => {
    const { login } = await scan();
    const answer = await answerLogin(world.scanin, login.rid, loginAssertion(world.scanin, world.phone, login, { decision: 'deny' }));
    expect(answer.status, answer.text).toBe(200);
    const { leftTo } = await login.browser.follow(`${login.interactionUrl}/complete`, world.scanin.issuer);
    expect(new URL(leftTo!).searchParams.get('error_description')).toBe('The sign-in was denied on the phone.');
  });

  it('a wrong number inside an assertion bound to another challenge gets 401 and does not kill the request', async () => {
    const scanned = await scan();
    const { login, shown } = scanned;
    const assertion = loginAssertion(world.scanin, world.phone, { ...login, challenge: 'x'.repeat(43) }, { num: wrongChoice(scanned) });
    expectError(await answerLogin(world.scanin, login.rid, assertion), 401, 'invalid_assertion');
    await expectRequestStillMatches(login, shown);
  });

  it('a wrong number from a revoked device gets 403 and does not kill the request', async () => {
    const lost = await enrollDevice(world.scanin, 'alice@example.com');
    await revokeDevice(world.scanin.services.db, lost.id, world.scanin.services.clock());
    const scanned = await scan();
    expectError(await answerLogin(world.scanin, scanned.login.rid, loginAssertion(world.scanin, lost, scanned.login, { num: wrongChoice(scanned) })), 403, 'device_revoked');
    await expectRequestStillMatches(scanned.login, scanned.shown);
  });

  it('a wrong number replayed after the right one won gets 409, and the approval stands', async () => {
    const scanned = await scan();
    const { login, shown } = scanned;
    expect((await answerLogin(world.scanin, login.rid, loginAssertion(world.scanin, world.phone, login, { num: shown }))).status).toBe(200);
    expectError(await answerLogin(world.scanin, login.rid, loginAssertion(world.scanin, world.phone, login, { num: wrongChoice(scanned) })), 409, 'already_answered');
    expect((await findLoginRequest(world.scanin.services.db, login.rid))!.status).toBe('approved');
    expect(login.published.map((event) => event.type)).toEqual(['approved']);
    login.events.close();
  });
});

/** Nothing changed: the right number still approves it. */
async function expectRequestStillMatches(login: WaitingLogin, shown: string): Promise<void> {
  expect(await findLoginRequest(world.scanin.services.db, login.rid)).toMatchObject({ status: 'scanned', device_id: null });
  expect(login.published).toEqual([]);
  const answer = await answerLogin(world.scanin, login.rid, loginAssertion(world.scanin, world.phone, login, { num: shown }));
  expect(answer.status, answer.text).toBe(200);
  expect((await login.events.next()).type).toBe('approved');
  login.events.close();
}
