// The vault's encryption (docs/protocol.md §16): AES-256-GCM under a non-extractable key kept in
// IndexedDB, a fresh 12-byte IV per write, the device_id as additional data, and the blob
// base64url(iv ‖ ciphertext ‖ tag) — the format scanin-device uses too.
import { base64url, fromBase64url } from './deviceKeys.ts';

const encoder = new TextEncoder();

export function newVaultKey(): Promise<CryptoKey> {
  return crypto.subtle.generateKey({ name: 'AES-GCM', length: 256 }, false, ['encrypt', 'decrypt']) as Promise<CryptoKey>;
}

export async function sealVault(key: CryptoKey, deviceId: string, text: string): Promise<string> {
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const sealed = await crypto.subtle.encrypt({ name: 'AES-GCM', iv, additionalData: encoder.encode(deviceId) }, key, encoder.encode(text));
  const blob = new Uint8Array(12 + sealed.byteLength);
  blob.set(iv);
  blob.set(new Uint8Array(sealed), 12);
  return base64url(blob);
}

export async function openVault(key: CryptoKey, deviceId: string, data: string): Promise<string> {
  const blob = fromBase64url(data);
  try {
    const plain = await crypto.subtle.decrypt({ name: 'AES-GCM', iv: blob.subarray(0, 12), additionalData: encoder.encode(deviceId) }, key, blob.subarray(12));
    return new TextDecoder().decode(plain);
  } catch {
    throw new Error('The notebook does not open with this phone’s key: it was written elsewhere or changed.');
  }
}
