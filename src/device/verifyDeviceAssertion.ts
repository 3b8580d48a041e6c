// The full check of an assertion from an enrolled device, in the protocol's order:
// decode → header → the device exists (401 unknown_device) → signature → the device may speak
// for its account (403 device_revoked, 403 device_pending, 403 account_disabled) → payload claims and bindings. Returns the device
// that spoke.
//
// Why this order (docs/protocol.md §12, "What an error tells"): an unknown kid must be answered
// before the signature, since there is no key to check it with; a kid is the SHA-256 thumbprint
// of a public key Scanin never publishes, so only who holds that public key can ask. A device's
// state (revoked, waiting for confirmation) is told only after its signature verified: only the
// holder of the private key learns it.
import { deviceRefusal } from '../accounts/access.ts';
import { unknownDevice } from '../protocol/errors.ts';
import type { Account } from '../store/accounts.ts';
import { findDeviceAndAccount, type Device } from '../store/devices.ts';
import type { Db } from '../store/db.ts';
import { checkClaims, type ExpectedClaims } from './claims.ts';
import { checkDeviceHeader, decodeAssertion } from './jws.ts';
import { verifySignature } from './signature.ts';

/** `account`: the device's, read with it (undefined only for a pending device whose account is gone). */
export type VerifiedAssertion = { device: Device; account: Account | undefined; payload: Record<string, unknown> };

/** `acceptPending`: a device waiting for confirmation may speak (only to ask about its own state). */
export async function verifyDeviceAssertion(db: Db, compact: string, expected: ExpectedClaims, options: { acceptPending?: boolean } = {}): Promise<VerifiedAssertion> {
  const decoded = decodeAssertion(compact);
  const { alg, kid } = checkDeviceHeader(decoded.header);
  const found = await findDeviceAndAccount(db, kid);
  if (!found) throw unknownDevice(kid);
  const { device, account } = found;
  verifySignature(alg, device.public_jwk, decoded.signingInput, decoded.signature);
  const refusal = deviceRefusal(device, account, expected.now);
  if (refusal && !(options.acceptPending && refusal.code === 'device_pending')) throw refusal;
  checkClaims(decoded.payload, expected);
  return { device, account, payload: decoded.payload };
}
