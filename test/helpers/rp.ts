// The relying party: openid-client, as an application would use it.
import * as oidc from 'openid-client';
import { afterAll, beforeAll } from 'vitest';
import { PUBLIC_CLIENT, RP_REDIRECT, startTestScanin, type TestScanin } from './scanin.ts';

export type Authorization = { url: string; verifier: string; nonce: string; state: string };

export async function discover(issuer: string, clientId = PUBLIC_CLIENT, secret?: string): Promise<oidc.Configuration> {
  return oidc.discovery(new URL(issuer), clientId, secret ? { client_secret: secret } : undefined, secret ? oidc.ClientSecretBasic(secret) : oidc.None(), {
    execute: [oidc.allowInsecureRequests],
  });
}

/** `extra`: more authorization parameters, e.g. `login_hint`. */
export async function authorizationRequest(config: oidc.Configuration, scope = 'openid email profile', extra: Record<string, string> = {}): Promise<Authorization> {
  const verifier = oidc.randomPKCECodeVerifier();
  const nonce = oidc.randomNonce();
  const state = oidc.randomState();
  const url = oidc.buildAuthorizationUrl(config, {
    redirect_uri: RP_REDIRECT,
    scope,
    code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    nonce,
    state,
    ...extra,
  });
  return { url: url.href, verifier, nonce, state };
}

export async function redeem(config: oidc.Configuration, callbackUrl: string, auth: Authorization) {
  return oidc.authorizationCodeGrant(config, new URL(callbackUrl), {
    pkceCodeVerifier: auth.verifier,
    expectedNonce: auth.nonce,
    expectedState: auth.state,
    idTokenExpected: true,
  });
}

/**
 * A Scanin and the public test app's configuration for the calling describe block: started
 * before its tests, stopped after them. Read both inside tests.
 */
export function useScaninWithApp(): { scanin: () => TestScanin; config: () => oidc.Configuration } {
  let scanin: TestScanin;
  let config: oidc.Configuration;
  beforeAll(async () => {
    scanin = await startTestScanin();
    config = await discover(scanin.issuer);
  });
  afterAll(async () => {
    await scanin?.close();
  });
  return { scanin: () => scanin, config: () => config };
}
