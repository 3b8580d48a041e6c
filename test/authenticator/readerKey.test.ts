// Which key reads a login request when the reference authenticator holds keys of several accounts
// at one issuer (docs/protocol.md §7): the one the request's account_hint names, learnt from an
// unsigned read, so a revoked key of another account does not stand in the way. Against a
// running Scanin.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Authenticator } from '../../src/authenticator/authenticator.ts';
import { revokeDevice } from '../../src/store/devices.ts';
import { findLoginRequest } from '../../src/store/loginRequests.ts';
import { enrolledPhone, openLoginPage } from '../helpers/login.ts';
import { discover } from '../helpers/rp.ts';
import { startTestScanin, type TestScanin } from '../helpers/scanin.ts';

describe('the reference authenticator with two accounts at one issuer', () => {
  let scanin: TestScanin;
  let phone: Authenticator;

  beforeAll(async () => {
    scanin = await startTestScanin({ env: { NUMBER_MATCHING: 'false' } });
    // One key file, two enrollments: Ann's key comes first in it.
    await enrolledPhone(scanin, 'ann@example.com', 'two.json');
    phone = await enrolledPhone(scanin, 'bob@example.com', 'two.json');
    expect((await phone.list()).map((device) => device.email)).toEqual(['ann@example.com', 'bob@example.com']);
  });
  afterAll(async () => {
    await scanin?.close();
  });

  it("reads a sign-in that names Bob with Bob's key, though Ann's key, listed first, was revoked", async () => {
    const [ann] = await phone.list();
    expect(await revokeDevice(scanin.services.db, ann!.device_id, scanin.services.clock())).toBe(true);
    const login = await openLoginPage(await discover(scanin.issuer), undefined, { login_hint: 'bob@example.com' });
    const request = await phone.fetchLoginRequest(login.qrUrl);
    expect(request.account_hint).toBeDefined();
    expect((await findLoginRequest(scanin.services.db, login.rid))!.status).toBe('scanned');
    expect((await phone.answerRequest(request, 'approve')).status).toBe('approved');
  });

  it("a sign-in that names nobody is still read with the first key at the issuer: here Ann's, which the server refuses", async () => {
    const login = await openLoginPage(await discover(scanin.issuer));
    await expect(phone.fetchLoginRequest(login.qrUrl)).rejects.toMatchObject({ error: 'device_revoked' });
  });
});
