// The app lock: what this phone checks before it approves anything (docs/protocol.md §4, `uv` and
// `uvm`). A PIN only this app knows, kept as a PBKDF2 hash with its own salt, never as the PIN;
// or the platform's own check (WebAuthn with user verification: the phone's fingerprint, face or
// screen lock), kept as the credential's id. Both live in this browser's IndexedDB, beside the
// accounts, in a database of their own.
//
// What it is and is not: a gate in this app's own code, which tells the server the truth about
// what it checked. It does not encrypt the device keys (WebCrypto keeps them non-extractable, and
// they cannot be wrapped later); someone who can run their own script in this browser profile
// could sign without it. It stops the person who picks up an unlocked phone.
import { base64url, fromBase64url } from './deviceKeys.ts';
import { objectStore } from './idb.ts';

export type AppLock =
  | { kind: 'none' }
  | { kind: 'pin'; salt: string; hash: string; iterations: number; failures: number; lockedUntil: number }
  | { kind: 'platform'; credentialId: string };

/** What the phone signs after a check (`uv` true with `uvm`). */
export type UserVerified = { uvm: 'pin' | 'platform' };

/** OWASP's 2023 figure for PBKDF2-HMAC-SHA256: a guessed PIN costs a second of a phone's CPU per few tries. */
const PBKDF2_ITERATIONS = 600_000;
/** NIST SP 800-63B §5.1.1.2: at least six digits for a PIN the app itself checks. */
export const PIN_MIN_DIGITS = 6;
const PIN_MAX_DIGITS = 12;
/** Wrong PINs allowed before each further try must wait, doubling from WAIT_SECONDS. */
const FREE_TRIES = 5;
const WAIT_SECONDS = 30;

const run = objectStore('scanin-lock', 'settings');
const KEY = 'lock';

export async function readLock(): Promise<AppLock> {
  return (await run<AppLock | undefined>('readonly', (store) => store.get(KEY) as IDBRequest<AppLock | undefined>)) ?? { kind: 'none' };
}

const saveLock = (lock: AppLock) => run('readwrite', (store) => store.put(lock, KEY));

/** A PIN's problem, or null: digits only, six to twelve of them. */
export function pinProblem(pin: string): string | null {
  if (!/^\d+$/.test(pin)) return 'A PIN is digits only.';
  if (pin.length < PIN_MIN_DIGITS) return `A PIN has at least ${PIN_MIN_DIGITS} digits.`;
  if (pin.length > PIN_MAX_DIGITS) return `A PIN has at most ${PIN_MAX_DIGITS} digits.`;
  return null;
}

async function derive(pin: string, salt: Uint8Array<ArrayBuffer>, iterations: number): Promise<string> {
  const key = await crypto.subtle.importKey('raw', new TextEncoder().encode(pin), 'PBKDF2', false, ['deriveBits']);
  return base64url(await crypto.subtle.deriveBits({ name: 'PBKDF2', hash: 'SHA-256', salt, iterations }, key, 256));
}

export async function setPin(pin: string): Promise<void> {
  const problem = pinProblem(pin);
  if (problem) throw new Error(problem);
  const salt = crypto.getRandomValues(new Uint8Array(16));
  await saveLock({ kind: 'pin', salt: base64url(salt), hash: await derive(pin, salt, PBKDF2_ITERATIONS), iterations: PBKDF2_ITERATIONS, failures: 0, lockedUntil: 0 });
}

export type PinCheck = { ok: true } | { ok: false; waitSeconds: number };

/** Checks a PIN; after FREE_TRIES wrong ones each try waits, twice as long each time. */
export async function checkPin(pin: string): Promise<PinCheck> {
  const lock = await readLock();
  if (lock.kind !== 'pin') throw new Error('No PIN is set on this phone.');
  const now = Date.now();
  if (lock.lockedUntil > now) return { ok: false, waitSeconds: Math.ceil((lock.lockedUntil - now) / 1000) };
  if ((await derive(pin, fromBase64url(lock.salt), lock.iterations)) === lock.hash) {
    if (lock.failures > 0) await saveLock({ ...lock, failures: 0, lockedUntil: 0 });
    return { ok: true };
  }
  const failures = lock.failures + 1;
  const wait = failures >= FREE_TRIES ? WAIT_SECONDS * 2 ** (failures - FREE_TRIES) : 0;
  await saveLock({ ...lock, failures, lockedUntil: wait ? now + wait * 1000 : 0 });
  return { ok: false, waitSeconds: wait };
}

/** WebAuthn's RP ID is a domain: an app reached at an IP address cannot use the platform's check. */
export function platformLockAvailable(): boolean {
  return typeof PublicKeyCredential !== 'undefined' && !/^[\d.]+$|^\[|:/.test(location.hostname);
}

/** The authenticator data's UV flag (WebAuthn §6.1, bit 2): the platform verified its user. */
function userVerifiedFlag(authenticatorData: ArrayBuffer): boolean {
  return (new Uint8Array(authenticatorData)[32]! & 0x04) !== 0;
}

/** Makes a platform credential that requires user verification; its id becomes the lock. */
export async function setPlatformLock(): Promise<void> {
  const credential = (await navigator.credentials.create({
    publicKey: {
      rp: { name: 'Scanin', id: location.hostname },
      user: { id: crypto.getRandomValues(new Uint8Array(16)), name: 'Scanin app lock', displayName: 'Scanin app lock' },
      challenge: crypto.getRandomValues(new Uint8Array(32)),
      pubKeyCredParams: [{ type: 'public-key', alg: -7 }, { type: 'public-key', alg: -257 }],
      authenticatorSelection: { authenticatorAttachment: 'platform', userVerification: 'required', residentKey: 'discouraged' },
      timeout: 60_000,
    },
  })) as PublicKeyCredential | null;
  if (!credential) throw new Error('The phone made no credential.');
  const response = credential.response as AuthenticatorAttestationResponse;
  if (!userVerifiedFlag(response.getAuthenticatorData())) throw new Error('The phone did not verify you, so it cannot lock this app.');
  await saveLock({ kind: 'platform', credentialId: base64url(credential.rawId) });
}

/** Asks the platform to verify its user with the lock's credential; true only with the UV flag set. `signal`: the person gave up. */
export async function checkPlatform(signal: AbortSignal): Promise<boolean> {
  const lock = await readLock();
  if (lock.kind !== 'platform') throw new Error('This phone\'s own lock is not set for this app.');
  const assertion = (await navigator.credentials.get({
    publicKey: {
      challenge: crypto.getRandomValues(new Uint8Array(32)),
      rpId: location.hostname,
      allowCredentials: [{ type: 'public-key', id: fromBase64url(lock.credentialId) }],
      userVerification: 'required',
      timeout: 60_000,
    },
    signal,
  })) as PublicKeyCredential | null;
  return assertion !== null && userVerifiedFlag((assertion.response as AuthenticatorAssertionResponse).authenticatorData);
}

export const removeLock = () => saveLock({ kind: 'none' });
