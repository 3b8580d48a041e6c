// What a login proved, in OIDC's words: `acr` (a level a client may ask for with `acr_values` or
// an essential `acr` claim) and `amr` (the methods, RFC 8176). Every Scanin login is a signature
// by an enrolled device key; the phone may also have verified its user (PIN or biometrics)
// before signing, which makes it two factors. The phone says how (`uvm`, docs/protocol.md §4);
// `amr` names a method only where that tells it truly.
import { USER_VERIFICATION_METHODS, type UserVerificationMethod } from '../protocol/userVerification.ts';

export const ACR_DEVICE = 'urn:scanin:acr:device';
export const ACR_DEVICE_VERIFIED = 'urn:scanin:acr:device:uv';

/** Advertised in discovery (`acr_values_supported`), weakest first. */
export const ACR_VALUES = [ACR_DEVICE, ACR_DEVICE_VERIFIED];

export type AuthenticationContext = { acr: string; amr: string[] };

/** `method`: the answer's `uvm`, or null (not verified, or a phone that does not say how). */
export function authenticationContext(userVerified: boolean, method: UserVerificationMethod | null = null): AuthenticationContext {
  if (!userVerified) return { acr: ACR_DEVICE, amr: ['pop'] };
  return { acr: ACR_DEVICE_VERIFIED, amr: method ? ['pop', USER_VERIFICATION_METHODS[method], 'mfa'] : ['pop', 'mfa'] };
}

type AcrClaimRequest = { essential?: boolean; value?: unknown; values?: unknown } | null | undefined;

/**
 * Whether an authorization request leaves no level but user verification: `acr_values` (space
 * separated, the client's order of preference) that name `urn:scanin:acr:device:uv` and not the
 * plain `urn:scanin:acr:device`, or an essential `acr` claim (the `claims` parameter) whose only
 * known value is the verified one. A client that names both levels accepts either. Pure.
 */
export function requestRequiresUserVerification(acrValues: unknown, idTokenAcr: AcrClaimRequest): boolean {
  const listed = typeof acrValues === 'string' ? acrValues.split(' ').filter(Boolean) : [];
  if (listed.includes(ACR_DEVICE_VERIFIED) && !listed.includes(ACR_DEVICE)) return true;
  if (!idTokenAcr?.essential) return false;
  const values = [idTokenAcr.value, ...(Array.isArray(idTokenAcr.values) ? idTokenAcr.values : [])].filter((value) => ACR_VALUES.includes(value as string));
  return values.length > 0 && values.every((value) => value === ACR_DEVICE_VERIFIED);
}

/** The `acr` claim the `claims` parameter (a JSON string, or the engine's parsed object) asks of the ID token. */
export function requestedIdTokenAcr(claims: unknown): AcrClaimRequest {
  let parsed: unknown = claims;
  if (typeof claims === 'string') {
    try {
      parsed = JSON.parse(claims);
    } catch {
      return undefined;
    }
  }
  const idToken = (parsed as { id_token?: { acr?: AcrClaimRequest } } | null)?.id_token;
  return typeof idToken === 'object' && idToken !== null ? idToken.acr : undefined;
}
