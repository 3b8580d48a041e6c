// The device protocol's errors: each carries its code and HTTP status, and the outer layer
// renders it as {"error", "error_description"}. No route formats an error response itself.
export class ProtocolError extends Error {
  readonly status: number;
  readonly code: string;
  readonly headers: Record<string, string>;
  /** Members the answer carries besides `error` and `error_description`, e.g. a vault's current version. */
  readonly details: Record<string, unknown>;

  constructor(status: number, code: string, description: string, headers: Record<string, string> = {}, details: Record<string, unknown> = {}) {
    super(description);
    this.name = 'ProtocolError';
    this.status = status;
    this.code = code;
    this.headers = headers;
    this.details = details;
  }
}

// One code per reaction a device must have (docs/protocol.md §9 lists each with that reaction):
// a device branches on the code, never on the description.
export const invalidRequest = (why: string) => new ProtocolError(400, 'invalid_request', why);
export const invalidDeviceName = (why: string) => new ProtocolError(400, 'invalid_device_name', why);
export const wrongNumber = () => new ProtocolError(400, 'wrong_number', 'the number chosen is not the one the browser shows; this login request is now denied');
export const invalidAssertion = (why: string) => new ProtocolError(401, 'invalid_assertion', why);
/** A device-authenticated request without a usable `Authorization: Scanin` header. */
export const missingDeviceAuthorization = (why: string) => new ProtocolError(401, 'invalid_assertion', why, { 'WWW-Authenticate': 'Scanin' });
export const clockSkew = (why: string) => new ProtocolError(401, 'clock_skew', why);
export const unknownDevice = (kid: string) => new ProtocolError(401, 'unknown_device', `no device with kid ${JSON.stringify(kid)} is enrolled`);
export const deviceRevoked = (why = 'this device was revoked') => new ProtocolError(403, 'device_revoked', why);
export const devicePending = () => new ProtocolError(403, 'device_pending', 'this device is waiting for confirmation and cannot answer yet');
export const wrongAccount = () => new ProtocolError(403, 'wrong_account', 'this sign-in is for another account than the one this device is bound to');
export const userVerificationRequired = () =>
  new ProtocolError(403, 'user_verification_required', 'this sign-in requires the phone to verify its user (PIN or biometrics) before approving: sign again with "uv": true after that check');
export const accountDisabled = () => new ProtocolError(403, 'account_disabled', 'the account of this device is disabled');
export const notFound = (what: string) => new ProtocolError(404, 'not_found', `${what} does not exist`);
export const alreadyAnswered = (what: string) => new ProtocolError(409, 'already_answered', `${what} was already answered`);
export const vaultConflict = (current: number) =>
  new ProtocolError(409, 'version_conflict', `the vault is at version ${current}: read it, merge, and write again naming that version`, {}, { version: current });
export const keyAlreadyEnrolled = () => new ProtocolError(409, 'key_already_enrolled', 'this key is already enrolled; make a new key for each enrollment');
export const expired = (what: string) => new ProtocolError(410, 'expired', `${what} has expired`);
export const signInEnded = () => new ProtocolError(410, 'sign_in_ended', 'the sign-in this login request belongs to is over (cancelled, finished or timed out in the browser)');
/** A rate limit was passed: try again after `retryAfter` seconds. */
export const tooManyRequests = (rule: string, retryAfter: number) =>
  new ProtocolError(429, 'rate_limited', `too many requests (${rule}); try again in ${retryAfter} s`, { 'Retry-After': String(Math.max(1, retryAfter)) });
/** `unread`: reading stopped in the middle of the body, so the connection cannot carry another request. */
export const payloadTooLarge = (limit: number, unread = false) =>
  new ProtocolError(413, 'payload_too_large', `the body must be at most ${limit} bytes`, unread ? { Connection: 'close' } : {});
export const methodNotAllowed = (method: string, allowed: string[]) =>
  new ProtocolError(405, 'invalid_request', `${method} is not allowed here; allowed: ${allowed.join(', ')}`, { Allow: allowed.join(', ') });
