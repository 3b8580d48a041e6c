// The device API of docs/protocol.md, as a browser calls it: read and answer login requests and
// enrollments, and the vault with its signed `Authorization: Scanin` header. Everything the
// server says is checked like any input from the network.
import type { Enrollment, LoginRequest as ProtocolLoginRequest } from '../../authenticator/authenticator.ts';
import type { ScaninUrl } from '../../protocol/urls.ts';
import type { Account } from './accountStore.ts';
import type { UserVerified } from './appLock.ts';
import { newJti, sha256, signAssertion, type DeviceKeyPair } from './deviceKeys.ts';

/** The server said no, in the protocol's words. `status` 0: the server could not be reached. */
export class ApiError extends Error {
  constructor(readonly status: number, readonly error: string, readonly description: string, readonly body: Record<string, unknown> = {}) {
    super(description);
  }
}

// The shapes of the protocol's answers, as the reference authenticator reads them (types only:
// nothing of that Node module reaches the browser bundle).
export type { Enrollment } from '../../authenticator/authenticator.ts';

export type LoginRequest = ProtocolLoginRequest & {
  /** When this phone read it (its own clock, seconds): ages and countdowns count from here, not from the server's clock (§12). */
  readAt: number;
  /** Seconds left at `readAt`, by the server's clock (its Date header). */
  secondsLeft: number;
  /** The request's age at `readAt`, by the server's clock: its Date header minus created_at (§7). */
  ageAtRead: number;
};

type Answer = { json: Record<string, unknown>; serverTime: number | null };

const nowSeconds = () => Math.floor(Date.now() / 1000);

async function call(method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, body?: string, authorization?: string, signal?: AbortSignal): Promise<Answer> {
  let response: Response;
  try {
    response = await fetch(url, {
      method,
      cache: 'no-store',
      ...(signal ? { signal } : {}),
      headers: {
        accept: 'application/json',
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(authorization === undefined ? {} : { authorization }),
      },
      ...(body === undefined ? {} : { body }),
    });
  } catch {
    throw new ApiError(0, 'offline', 'The server cannot be reached. Check the connection and try again.');
  }
  let json: Record<string, unknown> = {};
  try {
    json = (await response.json()) as Record<string, unknown>;
  } catch {
    throw new ApiError(response.status, 'server_error', `The server answered HTTP ${response.status} without the expected JSON.`);
  }
  if (!response.ok) {
    throw new ApiError(response.status, typeof json.error === 'string' ? json.error : 'server_error', typeof json.error_description === 'string' ? json.error_description : '', json);
  }
  const date = response.headers.get('date');
  return { json, serverTime: date ? Math.floor(Date.parse(date) / 1000) : null };
}

/**
 * The issuer an answer names must be the one in the scanned link: a phone trusts the link. When
 * they differ, the link reached Scanin at another address than its ISSUER (a LAN address while
 * ISSUER says localhost): say both, not a protocol fault.
 */
function expectIssuer(answered: unknown, scanned: string): void {
  if (answered === scanned) return;
  const named = typeof answered === 'string' ? answered : 'another address';
  throw new ApiError(200, 'wrong_issuer', `This link points to ${scanned}, but that server's own address (its ISSUER) is ${named}. Use a link or QR code made for ${named}; if this phone cannot reach it, whoever runs Scanin must set ISSUER to an address the phone reaches.`);
}

function expect(condition: boolean, what: string): void {
  if (!condition) throw new ApiError(200, 'bad_answer', `The server's answer is not what the protocol says: ${what}.`);
}

const isString = (value: unknown): value is string => typeof value === 'string';

export async function readEnrollment(url: ScaninUrl): Promise<Enrollment> {
  const { json } = await call('GET', `${url.issuer}/device/v1/enrollments/${encodeURIComponent(url.id)}`);
  const account = (json.account ?? {}) as Record<string, unknown>;
  expect(json.act === 'enroll' && json.eid === url.id, 'act and eid');
  // The QR code decides whom the phone trusts: an answer for another issuer is refused.
  expectIssuer(json.issuer, url.issuer);
  expect(isString(json.challenge) && isString(json.kind) && isString(account.email) && isString(account.name) && typeof json.expires_at === 'number', 'enrollment fields');
  return json as unknown as Enrollment;
}

export async function enroll(enrollment: Enrollment, key: DeviceKeyPair, deviceName: string): Promise<{ sub: string; status: string }> {
  const assertion = await signAssertion(key, {
    aud: enrollment.issuer, iat: nowSeconds(), act: 'enroll', eid: enrollment.eid, chal: enrollment.challenge, device_name: deviceName,
  }, true);
  const { json } = await call('POST', `${enrollment.issuer}/device/v1/enrollments/${encodeURIComponent(enrollment.eid)}`, JSON.stringify({ assertion }));
  // Both sides compute the thumbprint; a mismatch means the server bound some other key.
  expect(json.device_id === key.deviceId, 'device_id is not this key’s thumbprint');
  expect(isString(json.sub) && isString(json.status), 'sub and status');
  return { sub: json.sub as string, status: json.status as string };
}

/**
 * An unsigned read (§7): what anyone holding the code may learn, here its `account_hint`, so
 * that the signed read can be made with the key of the account it names.
 */
export async function readLoginRequestHint(url: ScaninUrl): Promise<string | undefined> {
  const { json } = await call('GET', `${url.issuer}/device/v1/requests/${encodeURIComponent(url.id)}`);
  expect(json.act === 'login' && json.rid === url.id, 'act and rid');
  expectIssuer(json.issuer, url.issuer);
  expect(json.account_hint === undefined || isString(json.account_hint), 'account_hint');
  return json.account_hint as string | undefined;
}

/** A signed read (§7): only an enrolled device sees the browser's details, and only its read is a scan. */
export async function readLoginRequest(url: ScaninUrl, reader: Account): Promise<LoginRequest> {
  const { json, serverTime } = await deviceCall(reader, 'login', 'GET', `/device/v1/requests/${encodeURIComponent(url.id)}`);
  const client = (json.client ?? {}) as Record<string, unknown>;
  const browser = (json.browser ?? {}) as Record<string, unknown>;
  expect(json.act === 'login' && json.rid === url.id, 'act and rid');
  expectIssuer(json.issuer, url.issuer);
  expect(isString(json.challenge) && isString(client.name) && isString(client.client_id), 'request fields');
  // A backchannel sign-in (from the inbox, §17) has no browser; a QR code's always has one.
  expect(json.kind === 'backchannel' ? json.browser === undefined : isString(browser.ip) && isString(browser.user_agent) && (browser.place === undefined || isString(browser.place)), 'browser');
  expect(json.binding_message === undefined || json.binding_message === null || isString(json.binding_message), 'binding_message');
  expect(typeof json.expires_at === 'number' && typeof json.created_at === 'number', 'created_at and expires_at');
  const choices = json.number_choices;
  expect(choices === undefined || (Array.isArray(choices) && choices.length === 3 && choices.every(isString)), 'number_choices');
  expect(json.account_hint === undefined || isString(json.account_hint), 'account_hint');
  expect(json.authorization_details === undefined || isString(json.authorization_details), 'authorization_details');
  // A requirement this phone does not know is one it cannot meet (§7): refuse to read it as none.
  expect(json.user_verification === undefined || json.user_verification === 'required', 'user_verification');
  const readAt = nowSeconds();
  // Without a Date header (a proxy took it) this phone's clock stands in for the server's.
  const serverNow = serverTime ?? readAt;
  return {
    ...(json as unknown as LoginRequest),
    readAt,
    secondsLeft: (json.expires_at as number) - serverNow,
    ageAtRead: Math.max(0, serverNow - (json.created_at as number)),
  };
}

/** `verified`: the app lock checked the person just now (appLock.ts), so the answer says `uv` and how. */
/** The request's status after the answer; `accessDenied`: the app's access rules keep this account out (§7). */
export async function answerLoginRequest(request: LoginRequest, account: Account, decision: 'approve' | 'deny', num?: string, verified?: UserVerified): Promise<{ status: string; accessDenied: boolean }> {
  const assertion = await signAssertion(account, {
    aud: request.issuer, iat: nowSeconds(), act: 'login', rid: request.rid, chal: request.challenge, decision, ...(num === undefined ? {} : { num }),
    ...(verified ? { uv: true, uvm: verified.uvm } : {}),
    // The transaction shown (§19): the hash of the text exactly as the server sent it.
    ...(request.authorization_details === undefined ? {} : { adh: await sha256(request.authorization_details) }),
  });
  const { json } = await call('POST', `${request.issuer}/device/v1/requests/${encodeURIComponent(request.rid)}`, JSON.stringify({ assertion }));
  return { status: String(json.status), accessDenied: json.access === 'denied' };
}

/** A device's own request (§15): the assertion binds method, URL, the exact body and a fresh jti. */
async function deviceCall(account: Account, act: 'vault' | 'login' | 'inbox' | 'device' | 'push', method: 'GET' | 'PUT' | 'DELETE', path: string, body?: string, signal?: AbortSignal): Promise<Answer> {
  const url = `${account.issuer}${path}`;
  const assertion = await signAssertion(account, {
    aud: account.issuer, iat: nowSeconds(), act, htm: method, htu: url, body_sha256: await sha256(body ?? ''), jti: newJti(),
  });
  return call(method, url, body, `Scanin ${assertion}`, signal);
}

/**
 * `GET /device/v1/device?wait=…` (§6, "Waiting for confirmation"): this phone's own state, a long
 * poll while it waits for the browser that showed the add-device code. A removed (or never
 * confirmed) phone gets ApiError 403 device_revoked.
 */
export async function readDeviceStatus(account: Account, waitSeconds: number): Promise<string> {
  const { json } = await deviceCall(account, 'device', 'GET', `/device/v1/device?wait=${waitSeconds}`);
  expect(json.device_id === account.deviceId && isString(json.status), 'device status');
  return json.status as string;
}

/** One entry of the inbox (§17): a backchannel sign-in for account `sub`, read and answered at `url` like a scanned code. */
export type InboxEntry = { rid: string; url: string; sub: string };

/** `GET /device/v1/inbox?wait=…` (§17): a long poll, signed with this account's key; the query is part of htu. */
export async function readInbox(account: Account, waitSeconds: number, signal: AbortSignal): Promise<InboxEntry[]> {
  const { json } = await deviceCall(account, 'inbox', 'GET', `/device/v1/inbox?wait=${waitSeconds}`, undefined, signal);
  expect(Array.isArray(json.requests), 'inbox requests');
  return (json.requests as Array<Record<string, unknown>>).map((entry) => {
    expect(isString(entry.rid) && isString(entry.url) && isString(entry.sub), 'inbox entry');
    return { rid: entry.rid as string, url: entry.url as string, sub: entry.sub as string };
  });
}

export type VaultState = { version: number; data: string | null };

export async function readVault(account: Account): Promise<VaultState> {
  const { json } = await deviceCall(account, 'vault', 'GET', '/device/v1/vault');
  expect(typeof json.version === 'number' && (json.data === null || isString(json.data)), 'vault fields');
  return { version: json.version as number, data: json.data as string | null };
}

/** Writes over `replaces`; a stale one throws ApiError 409 version_conflict (its body has `version`). */
export async function writeVault(account: Account, replaces: number, data: string): Promise<number> {
  const { json } = await deviceCall(account, 'vault', 'PUT', '/device/v1/vault', JSON.stringify({ version: replaces, data }));
  return json.version as number;
}

/** Scanin's answer to every push call (§18): the key to subscribe with, and whether this device is subscribed. */
export type PushState = { vapidPublicKey: string; subscribed: boolean };

/** `GET`, `PUT` (the subscription's toJSON()) or `DELETE /device/v1/push` (§18), signed with act "push". */
export async function callPush(account: Account, method: 'GET' | 'PUT' | 'DELETE', subscription?: unknown): Promise<PushState> {
  const { json } = await deviceCall(account, 'push', method, '/device/v1/push', subscription === undefined ? undefined : JSON.stringify(subscription));
  expect(isString(json.vapid_public_key) && typeof json.subscribed === 'boolean', 'push fields');
  return { vapidPublicKey: json.vapid_public_key as string, subscribed: json.subscribed as boolean };
}
