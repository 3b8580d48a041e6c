// The full check of an assertion from an enrolled device, in the protocol's order:
// decode → header → the device exists (401 unknown_device) and is usable (403 device_revoked) →
// signature → payload claims and bindings. Returns the device that spoke.
import { invalidAssertion, deviceRevoked, unknownDevice } from '../protocol/errors.ts';
import { findDevice, type Device } from '../store/devices.ts';
import type { Db } from '../store/db.ts';
import { checkClaims, type ExpectedClaims } from './claims.ts';
import { checkDeviceHeader, decodeAssertion } from './jws.ts';
import { verifySignature } from './signature.ts';

export type VerifiedAssertion = { device: Device; payload: Record<string, unknown> };

export async function verifyDeviceAssertion(db: Db, compact: string, expected: ExpectedClaims): Promise<VerifiedAssertion> {
  const decoded = decodeAssertion(compact);
  const { alg, kid } = checkDeviceHeader(decoded.header);
  const device = await findDevice(db, kid);
  if (!device) throw unknownDevice(kid);
  if (device.status === 'revoked') throw deviceRevoked();
  if (device.status !== 'active') throw invalidAssertion('this device is waiting for confirmation and cannot answer yet');
  verifySignature(alg, device.public_jwk, decoded.signingInput, decoded.signature);
  checkClaims(decoded.payload, expected);
  return { device, payload: decoded.payload };
}
