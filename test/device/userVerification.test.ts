// The optional `uv` claim of a login answer: a phone that verified its user says so, and a
// malformed claim is refused without touching the request.
import { describe, expect, it } from 'vitest';
import { findLoginRequest } from '../../src/store/loginRequests.ts';
import { answerLogin, expectError, expectStillApprovable, loginAssertion, useScaninWithPhone, waitingLogin } from '../helpers/device.ts';

describe('user verification on the phone (uv)', () => {
  const world = useScaninWithPhone({ NUMBER_MATCHING: 'false' });

  it.each([['"yes"', 'yes'], ['1', 1], ['null', null]])('refuses uv = %s and changes nothing', async (_label, uv) => {
    const { scanin, phone } = world;
    const login = await waitingLogin(scanin);
    expectError(await answerLogin(scanin, login.rid, loginAssertion(scanin, phone, login, { uv })), 400, 'invalid_request');
    await expectStillApprovable(scanin, login, phone);
  });

  it('records uv: true with the approval', async () => {
    const { scanin, phone } = world;
    const login = await waitingLogin(scanin);
    const answer = await answerLogin(scanin, login.rid, loginAssertion(scanin, phone, login, { uv: true }));
    expect(answer.body).toEqual({ status: 'approved' });
    expect(Boolean((await findLoginRequest(scanin.services.db, login.rid))!.user_verified)).toBe(true);
    login.events.close();
  });
});
