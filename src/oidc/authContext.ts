// What a login proved, in OIDC's words: `acr` (a level a client may ask for with `acr_values` or
// an essential `acr` claim) and `amr` (the methods, RFC 8176). Every Scanin login is a signature
// by an enrolled device key; the phone may also have verified its user (PIN or biometrics)
// before signing, which makes it two factors.
export const ACR_DEVICE = 'urn:scanin:acr:device';
export const ACR_DEVICE_VERIFIED = 'urn:scanin:acr:device:uv';

/** Advertised in discovery (`acr_values_supported`), weakest first. */
export const ACR_VALUES = [ACR_DEVICE, ACR_DEVICE_VERIFIED];

export type AuthenticationContext = { acr: string; amr: string[] };

export function authenticationContext(userVerified: boolean): AuthenticationContext {
  return userVerified ? { acr: ACR_DEVICE_VERIFIED, amr: ['pop', 'mfa'] } : { acr: ACR_DEVICE, amr: ['pop'] };
}
