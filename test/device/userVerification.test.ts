// The optional `uv` and `uvm` claims of a login answer: a phone that verified its user says so,
// and how; a malformed claim is refused without touching the request. A request whose app
// requires a verified user says so, and refuses an approval without it, while it stays open
// for one with it.
import { describe, expect, it } from 'vitest';
import { ACR_DEVICE, ACR_DEVICE_VERIFIED, authenticationContext, requestRequiresUserVerification } from '../../src/oidc/authContext.ts';
import { findLoginRequest } from '../../src/store/loginRequests.ts';
import { answerLogin, call, expectError, expectRequestOpen, expectStillApprovable, loginAssertion, requestPath, signedRead, useScaninWithPhone, waitingLogin } from '../helpers/device.ts';

describe('user verification on the phone (uv, uvm)', () => {
  const world = useScaninWithPhone({ NUMBER_MATCHING: 'false' });

  it.each([['"yes"', 'yes'], ['1', 1], ['null', null]])('refuses uv = %s and changes nothing', async (_label, uv) => {
    const { scanin, phone } = world;
    const login = await waitingLogin(scanin);
    expectError(await answerLogin(scanin, login.rid, loginAssertion(scanin, phone, login, { uv })), 400, 'invalid_request');
    await expectStillApprovable(scanin, login, phone);
  });

  it.each([
    ['uvm without uv', { uvm: 'pin' }],
    ['uvm with uv false', { uv: false, uvm: 'pin' }],
    ['an unknown uvm', { uv: true, uvm: 'retina' }],
    ['an RFC 8176 name instead of a method', { uv: true, uvm: 'fpt' }],
    ['uvm in upper case', { uv: true, uvm: 'PIN' }],
    ['a number as uvm', { uv: true, uvm: 1 }],
    ['uvm null', { uv: true, uvm: null }],
  ])('refuses %s with invalid_request and changes nothing', async (_label, claims) => {
    const { scanin, phone } = world;
    const login = await waitingLogin(scanin);
    const answer = await answerLogin(scanin, login.rid, loginAssertion(scanin, phone, login, claims));
    expectError(answer, 400, 'invalid_request');
    expect(answer.body.error_description).toContain('uvm');
    await expectStillApprovable(scanin, login, phone);
  });

  it('records uv: true and the method with the approval', async () => {
    const { scanin, phone } = world;
    const login = await waitingLogin(scanin);
    const answer = await answerLogin(scanin, login.rid, loginAssertion(scanin, phone, login, { uv: true, uvm: 'face' }));
    expect(answer.body).toEqual({ status: 'approved' });
    const row = (await findLoginRequest(scanin.services.db, login.rid))!;
    expect({ verified: Boolean(row.user_verified), method: row.uv_method }).toEqual({ verified: true, method: 'face' });
    login.events.close();
  });

  it('says nothing of user verification on a request whose app does not require it', async () => {
    const { scanin } = world;
    const login = await waitingLogin(scanin, { params: { acr_values: `${ACR_DEVICE_VERIFIED} ${ACR_DEVICE}` } });
    expect((await signedRead(scanin, login.rid)).body.user_verification).toBeUndefined();
    login.events.close();
  });

  describe('a request whose app requires a verified user (acr_values naming only the verified level)', () => {
    const requiring = { params: { acr_values: ACR_DEVICE_VERIFIED } };

    it('says "user_verification": "required" in the unsigned and in the signed read', async () => {
      const { scanin } = world;
      const login = await waitingLogin(scanin, requiring);
      expect((await call(scanin, 'GET', requestPath(login.rid))).body.user_verification).toBe('required');
      expect((await signedRead(scanin, login.rid)).body.user_verification).toBe('required');
      login.events.close();
    });

    it.each([['no uv', {}], ['uv false', { uv: false }]])('refuses an approval with %s (403 user_verification_required) and stays approvable by a verified one', async (_label, claims) => {
      const { scanin, phone } = world;
      const login = await waitingLogin(scanin, requiring);
      const answer = await answerLogin(scanin, login.rid, loginAssertion(scanin, phone, login, claims));
      expectError(answer, 403, 'user_verification_required');
      expect(answer.body.error_description).toContain('verify');
      await expectStillApprovable(scanin, login, phone, 'scanned', { uv: true, uvm: 'pin' });
    });

    it('takes a denial without uv: denying needs no verification', async () => {
      const { scanin, phone } = world;
      const login = await waitingLogin(scanin, requiring);
      const answer = await answerLogin(scanin, login.rid, loginAssertion(scanin, phone, login, { decision: 'deny' }));
      expect(answer.body).toEqual({ status: 'denied' });
      login.events.close();
    });

    it('refuses a replay of the verified approval (409) and keeps the first answer', async () => {
      const { scanin, phone } = world;
      const login = await waitingLogin(scanin, requiring);
      const assertion = loginAssertion(scanin, phone, login, { uv: true, uvm: 'platform' });
      expect((await answerLogin(scanin, login.rid, assertion)).body).toEqual({ status: 'approved' });
      expectError(await answerLogin(scanin, login.rid, assertion), 409, 'already_answered');
      expect((await findLoginRequest(scanin.services.db, login.rid))!).toMatchObject({ status: 'approved', uv_method: 'platform' });
      login.events.close();
    });

    it('refuses a refused-for-verification answer with the request still unanswered in the database', async () => {
      const { scanin, phone } = world;
      const login = await waitingLogin(scanin, requiring);
      expectError(await answerLogin(scanin, login.rid, loginAssertion(scanin, phone, login)), 403, 'user_verification_required');
      expect(await expectRequestOpen(scanin, login.rid)).toMatchObject({ user_verified: expect.anything(), uv_method: null });
      login.events.close();
    });
  });
});

describe('the authentication context of an answer (authContext.ts)', () => {
  it.each([
    [false, null, { acr: ACR_DEVICE, amr: ['pop'] }],
    [true, null, { acr: ACR_DEVICE_VERIFIED, amr: ['pop', 'mfa'] }],
    [true, 'pin', { acr: ACR_DEVICE_VERIFIED, amr: ['pop', 'pin', 'mfa'] }],
    [true, 'fingerprint', { acr: ACR_DEVICE_VERIFIED, amr: ['pop', 'fpt', 'mfa'] }],
    [true, 'face', { acr: ACR_DEVICE_VERIFIED, amr: ['pop', 'face', 'mfa'] }],
    [true, 'platform', { acr: ACR_DEVICE_VERIFIED, amr: ['pop', 'user', 'mfa'] }],
  ] as const)('uv %s, uvm %s → %j', (verified, method, expected) => {
    expect(authenticationContext(verified, method)).toEqual(expected);
  });

  it.each([
    [ACR_DEVICE_VERIFIED, undefined, true],
    [`${ACR_DEVICE_VERIFIED} urn:other`, undefined, true],
    [`${ACR_DEVICE_VERIFIED} ${ACR_DEVICE}`, undefined, false],
    [ACR_DEVICE, undefined, false],
    [undefined, { essential: true, value: ACR_DEVICE_VERIFIED }, true],
    [undefined, { essential: true, values: [ACR_DEVICE_VERIFIED, 'urn:unknown'] }, true],
    [undefined, { essential: true, values: [ACR_DEVICE_VERIFIED, ACR_DEVICE] }, false],
    [undefined, { value: ACR_DEVICE_VERIFIED }, false],
    [undefined, { essential: true, value: 'urn:unknown' }, false],
  ])('acr_values %s, claims acr %j: requires user verification = %s', (acrValues, acr, expected) => {
    expect(requestRequiresUserVerification(acrValues, acr)).toBe(expected);
  });
});
