// The vault's encryption on the device: AES-256-GCM under a key only the device holds. The blob
// the server keeps is base64url(iv ‖ ciphertext ‖ tag) with a fresh 12-byte iv per write; the
// device_id is the associated data, so a blob copied from another device's vault fails to open.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

const IV_BYTES = 12;
const TAG_BYTES = 16;

export function newVaultKey(): string {
  return randomBytes(32).toString('base64url');
}

export function sealVault(key: string, deviceId: string, plaintext: string): string {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', Buffer.from(key, 'base64url'), iv);
  cipher.setAAD(Buffer.from(deviceId, 'utf8'));
  const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return Buffer.concat([iv, ciphertext, cipher.getAuthTag()]).toString('base64url');
}

export function openVault(key: string, deviceId: string, data: string): string {
  const bytes = Buffer.from(data, 'base64url');
  if (bytes.length < IV_BYTES + TAG_BYTES) throw new Error('the vault blob is too short to be one this device wrote');
  const decipher = createDecipheriv('aes-256-gcm', Buffer.from(key, 'base64url'), bytes.subarray(0, IV_BYTES));
  decipher.setAAD(Buffer.from(deviceId, 'utf8'));
  decipher.setAuthTag(bytes.subarray(bytes.length - TAG_BYTES));
  try {
    return Buffer.concat([decipher.update(bytes.subarray(IV_BYTES, bytes.length - TAG_BYTES)), decipher.final()]).toString('utf8');
  } catch {
    throw new Error('the vault does not open with this device\'s key (written by another device, or altered)');
  }
}
