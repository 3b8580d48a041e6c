// `uvm`, how a phone verified its user before it signed an approval (docs/protocol.md §4), and
// the RFC 8176 `amr` method each one is. Shared by the server (oidc/authContext.ts) and the
// reference phone.
/**
 * How the phone verified its user (`uvm`), and the RFC 8176 method each one is. `pin`: a PIN or
 * passcode the app itself checks. `fingerprint`, `face`: a biometric the app knows the kind of.
 * `platform`: the platform checked the person (WebAuthn user verification, Android's
 * BiometricPrompt with the device credential, iOS's deviceOwnerAuthentication) without saying
 * whether by passcode or biometric; all it vouches for is that the user was there and passed,
 * so `user` (a user presence test) and no stronger name.
 */
export const USER_VERIFICATION_METHODS = { pin: 'pin', fingerprint: 'fpt', face: 'face', platform: 'user' } as const;
export type UserVerificationMethod = keyof typeof USER_VERIFICATION_METHODS;

export function isUserVerificationMethod(value: unknown): value is UserVerificationMethod {
  return typeof value === 'string' && Object.hasOwn(USER_VERIFICATION_METHODS, value);
}
