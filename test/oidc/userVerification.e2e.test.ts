// User verification as relying parties see it, through openid-client: the ID token's amr names
// how the phone verified its user (RFC 8176) where the phone says so, and a client that requires
// a verified user (clients.json `require_user_verification`) gets no login without one: the phone
// is refused, a browser session from an unverified login is not reused, and a verified approval
// of the same QR code signs in.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeviceApiError, type Authenticator } from '../../src/authenticator/authenticator.ts';
import { ACR_DEVICE, ACR_DEVICE_VERIFIED } from '../../src/oidc/authContext.ts';
import type { UserVerificationMethod } from '../../src/protocol/userVerification.ts';
import { TestBrowser } from '../helpers/browser.ts';
import { completeLogin, enrolledPhone, openLoginPage } from '../helpers/login.ts';
import { authorizationRequest, discover, redeem } from '../helpers/rp.ts';
import { PUBLIC_CLIENT, RP_REDIRECT, startTestScanin, TEST_CLIENTS, type TestScanin } from '../helpers/scanin.ts';

const BANK = 'bank';

describe('user verification in the ID token', () => {
  let scanin: TestScanin;
  let phone: Authenticator;

  beforeAll(async () => {
    scanin = await startTestScanin({
      clients: [...TEST_CLIENTS, { client_id: BANK, client_name: 'Bank', first_party: true, token_endpoint_auth_method: 'none', redirect_uris: [RP_REDIRECT], require_user_verification: true }],
    });
    phone = await enrolledPhone(scanin, 'uma@example.com');
  });
  afterAll(async () => {
    await scanin?.close();
  });

  async function signIn(clientId: string, options: { userVerified?: boolean; verificationMethod?: UserVerificationMethod } = {}) {
    const config = await discover(scanin.issuer, clientId);
    const login = await openLoginPage(config);
    await phone.answer(login.qrUrl, 'approve', options);
    return (await redeem(config, await completeLogin(scanin, login), login.auth)).claims()!;
  }

  it.each([
    [{}, ACR_DEVICE, ['pop']],
    [{ userVerified: true }, ACR_DEVICE_VERIFIED, ['pop', 'mfa']],
    [{ userVerified: true, verificationMethod: 'pin' }, ACR_DEVICE_VERIFIED, ['pop', 'pin', 'mfa']],
    [{ userVerified: true, verificationMethod: 'fingerprint' }, ACR_DEVICE_VERIFIED, ['pop', 'fpt', 'mfa']],
    [{ userVerified: true, verificationMethod: 'face' }, ACR_DEVICE_VERIFIED, ['pop', 'face', 'mfa']],
    [{ userVerified: true, verificationMethod: 'platform' }, ACR_DEVICE_VERIFIED, ['pop', 'user', 'mfa']],
  ] as const)('an answer with %j gives acr %s and amr %j', async (options, acr, amr) => {
    const claims = await signIn(PUBLIC_CLIENT, options);
    expect({ acr: claims.acr, amr: claims.amr }).toEqual({ acr, amr });
  });

  it('a client with require_user_verification: the phone is told, an unverified approval is refused, a verified one signs in', async () => {
    const config = await discover(scanin.issuer, BANK);
    const login = await openLoginPage(config);
    const request = await phone.fetchLoginRequest(login.qrUrl);
    expect(request.user_verification).toBe('required');
    const refused = await phone.answerRequest(request, 'approve').catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(DeviceApiError);
    expect({ status: (refused as DeviceApiError).status, error: (refused as DeviceApiError).error }).toEqual({ status: 403, error: 'user_verification_required' });
    await phone.answerRequest(request, 'approve', { userVerified: true, verificationMethod: 'pin' });
    const claims = (await redeem(config, await completeLogin(scanin, login), login.auth)).claims()!;
    expect({ acr: claims.acr, amr: claims.amr }).toEqual({ acr: ACR_DEVICE_VERIFIED, amr: ['pop', 'pin', 'mfa'] });
  });

  it('a browser signed in without verification gets the QR code again for a client that requires it; with verification, it is let through', async () => {
    const browser = new TestBrowser();
    const app = await discover(scanin.issuer, PUBLIC_CLIENT);
    const first = await openLoginPage(app, browser);
    await phone.answer(first.qrUrl, 'approve');
    await completeLogin(scanin, first);

    // openLoginPage insists on landing on the QR page: the unverified session is not reused.
    const bank = await discover(scanin.issuer, BANK);
    const again = await openLoginPage(bank, browser);
    await phone.answer(again.qrUrl, 'approve', { userVerified: true, verificationMethod: 'face' });
    expect((await redeem(bank, await completeLogin(scanin, again), again.auth)).claims()!.amr).toEqual(['pop', 'face', 'mfa']);

    // The session now holds a verified login: the bank's next request needs no QR code.
    const auth = await authorizationRequest(bank);
    const { leftTo } = await browser.follow(auth.url, scanin.issuer);
    expect(leftTo).toContain('code=');
  });
});
