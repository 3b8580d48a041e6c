// The reference device: what a phone app does after scanning a Scanin QR code, step by step in
// the words of docs/protocol.md. Each public method is one thing a user does on the phone.
import { hostname } from 'node:os';
import type { DeviceAlg } from '../protocol/jwk.ts';
import { accountHint } from '../protocol/accountHint.ts';
import { parseScaninUrl, type ScaninUrl } from '../protocol/urls.ts';
import type { UserVerificationMethod } from '../protocol/userVerification.ts';
import { authorizationDetailsHash } from '../protocol/authorizationDetails.ts';
import { readTransactions, type Transaction } from '../protocol/transactions.ts';
import { deviceHeader, enrollmentHeader, requestAuthorization, signAssertion } from './assertion.ts';
import { generateDeviceKey, importDeviceKey } from './keys.ts';
import { loadDevices, saveDevices, type StoredDevice } from './keystore.ts';
import { newVaultKey, openVault, sealVault } from './vaultCipher.ts';

export type AuthenticatorOptions = {
  keysFile: string;
  fetch?: typeof fetch;
  /** Milliseconds since the epoch, like Date.now. */
  now?: () => number;
};

export type Account = { email: string; name: string };

/** `GET /device/v1/enrollments/{eid}`. */
export type Enrollment = {
  eid: string;
  act: 'enroll';
  kind: string;
  challenge: string;
  issuer: string;
  account: Account;
  expires_at: number;
};

/** `GET /device/v1/requests/{rid}`. */
export type LoginRequest = {
  rid: string;
  act: 'login';
  challenge: string;
  issuer: string;
  client: { client_id: string; name: string };
  /** `qr`: a browser shows the code (and `browser` says which); `backchannel`: an app asked without a browser (from the inbox). */
  kind: 'qr' | 'backchannel';
  /** `place`: where the browser's address is, roughly ("Germany", "Local network"); absent when unknown. */
  browser?: { ip: string; place?: string; user_agent: string };
  /** Backchannel: what the app shows the person (null: nothing); show it to the user. */
  binding_message?: string | null;
  /** When the request was made (server clock): its age is the answer's Date minus this. */
  created_at: number;
  expires_at: number;
  /** Present when number matching is on: three 2-digit numbers, the browser (or the app) shows one. */
  number_choices?: string[];
  /** Present when the sign-in names its account: only a key of that account may answer. */
  account_hint?: string;
  /** Where the browser and this device are, as the server sees them (warn when not the same network). */
  proximity?: { browser_ip: string; device_ip: string; same_network: boolean };
  /** `"required"`: the app requires the phone to verify its user before it approves (`uv`); otherwise absent. */
  user_verification?: 'required';
  /** What the app asks to have approved (RFC 9396), as the JSON text the answer's `adh` hashes. */
  authorization_details?: string;
  /** Those details read: each one's `description` is what the person approves. */
  transactions?: Transaction[];
};

/** One entry of `GET /device/v1/inbox`: a backchannel sign-in to read at `url` and answer. */
export type InboxEntry = {
  rid: string;
  url: string;
  /** The account the sign-in is for: the one whose key polled. */
  sub: string;
  client: { client_id: string; name: string };
  binding_message: string | null;
  expires_at: number;
};

export type EnrollOptions = { deviceName?: string; alg?: DeviceAlg };
export type EnrollResult = { device_id: string; sub: string; status: string; device_name: string; issuer: string; account: Account };

export type Decision = 'approve' | 'deny';
export type AnswerOptions = {
  /** The number the browser shows; required to approve when the request has number_choices. */
  number?: string;
  /**
   * Which enrolled device answers. By default the one the request's account_hint names; without
   * a hint, the device of the one account held at the issuer (with several, the user chooses).
   */
  deviceId?: string;
  /**
   * The user proved to the phone who they are (PIN or biometrics) before approving: signed as
   * `uv: true`, it raises the login's acr. A real app sets it only after the platform's check.
   */
  userVerified?: boolean;
  /** How (`uvm`), signed with `uv: true`: it names the method in the ID token's amr. */
  verificationMethod?: UserVerificationMethod;
};
/** `access: "denied"`: approved, but the app's access rules keep this account out (protocol §7). */
export type AnswerResult = { status: string; access?: 'denied'; request: LoginRequest };

export type DeviceSummary = Omit<StoredDevice, 'private_key' | 'vault_key'>;

/** `GET /device/v1/device`: the device as the server sees it. */
export type DeviceStatus = {
  device_id: string;
  sub: string;
  /** `active`, or `pending_confirmation` until the browser that showed the add-device code confirms it. */
  status: string;
  device_name: string;
  /** While pending: the second from which it can no longer be confirmed. */
  confirm_by: number | null;
};

/** The vault as read: its version (0: never written) and the decrypted text (null: none). */
export type VaultContents = { version: number; text: string | null; updated_at: number | null };

/** The server said no, in the protocol's words: `{"error", "error_description"}`. */
export class DeviceApiError extends Error {
  constructor(
    readonly status: number,
    readonly error: string,
    readonly description: string,
  ) {
    super(`${error}: ${description} (HTTP ${status})`);
    this.name = 'DeviceApiError';
  }
}

// --- checking what the server sent: it is input from the network like any other ---

type Json = Record<string, unknown>;

function object(value: unknown, where: string): Json {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error(`${where}: expected an object`);
  return value as Json;
}

function string(parent: Json, field: string, where: string): string {
  const value = parent[field];
  if (typeof value !== 'string') throw new Error(`${where}.${field}: expected a string, got ${JSON.stringify(value)}`);
  return value;
}

function number(parent: Json, field: string, where: string): number {
  const value = parent[field];
  if (typeof value !== 'number') throw new Error(`${where}.${field}: expected a number, got ${JSON.stringify(value)}`);
  return value;
}

function expectSame(what: string, expected: string, got: string): void {
  if (expected !== got) throw new Error(`${what}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(got)}`);
}

function parseEnrollment(body: unknown, url: ScaninUrl): Enrollment {
  const json = object(body, 'enrollment');
  const account = object(json.account, 'enrollment.account');
  const enrollment: Enrollment = {
    eid: string(json, 'eid', 'enrollment'),
    act: 'enroll',
    kind: string(json, 'kind', 'enrollment'),
    challenge: string(json, 'challenge', 'enrollment'),
    issuer: string(json, 'issuer', 'enrollment'),
    account: { email: string(account, 'email', 'enrollment.account'), name: string(account, 'name', 'enrollment.account') },
    expires_at: number(json, 'expires_at', 'enrollment'),
  };
  expectSame('enrollment.act', 'enroll', string(json, 'act', 'enrollment'));
  expectSame('enrollment.eid', url.id, enrollment.eid);
  // The QR code decides whom the device trusts: a server answering for another issuer would
  // bind the key to an account somewhere the user never looked.
  expectSame('enrollment.issuer (from the scanned URL)', url.issuer, enrollment.issuer);
  return enrollment;
}

function parseLoginRequest(body: unknown, url: ScaninUrl): LoginRequest {
  const json = object(body, 'request');
  const client = object(json.client, 'request.client');
  const kind = json.kind === 'backchannel' ? 'backchannel' : 'qr';
  const request: LoginRequest = {
    rid: string(json, 'rid', 'request'),
    act: 'login',
    challenge: string(json, 'challenge', 'request'),
    issuer: string(json, 'issuer', 'request'),
    client: { client_id: string(client, 'client_id', 'request.client'), name: string(client, 'name', 'request.client') },
    kind,
    created_at: number(json, 'created_at', 'request'),
    expires_at: number(json, 'expires_at', 'request'),
  };
  if (kind === 'qr') {
    const browser = object(json.browser, 'request.browser');
    request.browser = { ip: string(browser, 'ip', 'request.browser'), user_agent: string(browser, 'user_agent', 'request.browser') };
    if (browser.place !== undefined) request.browser.place = string(browser, 'place', 'request.browser');
  } else {
    const message = json.binding_message;
    if (message !== null && typeof message !== 'string') throw new Error(`request.binding_message: expected a string or null, got ${JSON.stringify(message)}`);
    request.binding_message = message;
  }
  expectSame('request.act', 'login', string(json, 'act', 'request'));
  expectSame('request.rid', url.id, request.rid);
  expectSame('request.issuer (from the scanned URL)', url.issuer, request.issuer);
  if (json.number_choices !== undefined) {
    const choices = json.number_choices;
    if (!Array.isArray(choices) || choices.length !== 3 || !choices.every((choice) => typeof choice === 'string')) {
      throw new Error(`request.number_choices: expected three strings, got ${JSON.stringify(choices)}`);
    }
    request.number_choices = choices;
  }
  if (json.account_hint !== undefined) request.account_hint = string(json, 'account_hint', 'request');
  if (json.authorization_details !== undefined) {
    request.authorization_details = string(json, 'authorization_details', 'request');
    const transactions = readTransactions(request.authorization_details);
    if (typeof transactions === 'string') throw new Error(`request: ${transactions}`);
    request.transactions = transactions;
  }
  // A value this device does not know is a requirement it cannot meet: refuse to read it as none.
  if (json.user_verification !== undefined) {
    expectSame('request.user_verification', 'required', string(json, 'user_verification', 'request'));
    request.user_verification = 'required';
  }
  if (json.proximity !== undefined) {
    const proximity = object(json.proximity, 'request.proximity');
    const same = proximity.same_network;
    if (typeof same !== 'boolean') throw new Error(`request.proximity.same_network: expected true or false, got ${JSON.stringify(same)}`);
    request.proximity = { browser_ip: string(proximity, 'browser_ip', 'request.proximity'), device_ip: string(proximity, 'device_ip', 'request.proximity'), same_network: same };
  }
  return request;
}

const KIND_NAMES = { login: 'a login request', enroll: 'an enrollment' } as const;

function parseUrl(text: string, kind: ScaninUrl['kind']): ScaninUrl {
  const url = parseScaninUrl(text);
  const example = kind === 'login' ? 'https://id.example.com/q/<rid>' : 'https://id.example.com/e/<eid>';
  if (!url) throw new Error(`not a Scanin URL: ${JSON.stringify(text)} (expected ${example})`);
  if (url.kind !== kind) throw new Error(`expected ${KIND_NAMES[kind]} URL like ${example}, got ${KIND_NAMES[url.kind]} URL`);
  return url;
}

export class Authenticator {
  readonly keysFile: string;
  private readonly fetch: typeof fetch;
  private readonly now: () => number;

  constructor(options: AuthenticatorOptions) {
    this.keysFile = options.keysFile;
    this.fetch = options.fetch ?? globalThis.fetch;
    this.now = options.now ?? Date.now;
  }

  /** Scans an enrollment QR code: makes a key pair, proves it to the server, keeps it. */
  async enroll(urlText: string, options: EnrollOptions = {}): Promise<EnrollResult> {
    const url = parseUrl(urlText, 'enroll');
    const path = `${url.issuer}/device/v1/enrollments/${encodeURIComponent(url.id)}`;
    const enrollment = parseEnrollment(await this.call('GET', path), url);
    const key = generateDeviceKey(options.alg ?? 'ES256');
    const deviceName = options.deviceName ?? `scanin-device on ${hostname()}`;
    const assertion = signAssertion(key, enrollmentHeader(key), {
      aud: url.issuer,
      iat: this.nowSeconds(),
      act: 'enroll',
      eid: enrollment.eid,
      chal: enrollment.challenge,
      device_name: deviceName,
    });
    const answer = object(await this.call('POST', path, JSON.stringify({ assertion })), 'enrollment answer');
    const result: EnrollResult = {
      device_id: string(answer, 'device_id', 'enrollment answer'),
      sub: string(answer, 'sub', 'enrollment answer'),
      status: string(answer, 'status', 'enrollment answer'),
      // What the server stored (trimmed), which is what people will see it as.
      device_name: string(answer, 'device_name', 'enrollment answer'),
      issuer: url.issuer,
      account: enrollment.account,
    };
    // Both sides compute the thumbprint; a mismatch means the server bound some other key.
    expectSame('enrollment answer.device_id', key.deviceId, result.device_id);
    const devices = await loadDevices(this.keysFile);
    devices.push({
      device_id: key.deviceId,
      issuer: url.issuer,
      sub: result.sub,
      email: enrollment.account.email,
      name: enrollment.account.name,
      device_name: result.device_name,
      alg: key.alg,
      private_key: Buffer.from(key.privateKey).toString('base64url'),
      public_jwk: key.publicJwk,
      enrolled_at: this.nowSeconds(),
      vault_key: newVaultKey(),
    });
    await saveDevices(this.keysFile, devices);
    return result;
  }

  /**
   * Fails, before anything is sent, when no device in the key store can answer the login request
   * at `urlText`: fetching it would mark it scanned in the browser for nothing.
   */
  async checkCanAnswer(urlText: string, deviceId?: string): Promise<void> {
    // Which of several accounts the request is for is known only once it is read: here, only
    // whether any device (or the one named) could answer at the request's issuer.
    const { issuer } = parseUrl(urlText, 'login');
    const atIssuer = (await loadDevices(this.keysFile)).filter((device) => device.issuer === issuer);
    if (deviceId !== undefined && !atIssuer.some((device) => device.device_id === deviceId)) {
      throw new Error(`no device ${deviceId} enrolled at ${issuer} in ${this.keysFile}`);
    }
    if (atIssuer.length === 0) throw new Error(`no device enrolled at ${issuer} in ${this.keysFile}: enroll one first`);
  }

  /**
   * Scans a login QR code: who is asking, from which browser and network. The read is signed
   * (by `deviceId`, or a device enrolled at the issuer): the server shows the browser's details
   * only to an enrolled device, and marks the request scanned.
   */
  async fetchLoginRequest(urlText: string, deviceId?: string): Promise<LoginRequest> {
    const url = parseUrl(urlText, 'login');
    const devices = await loadDevices(this.keysFile);
    const reader = deviceId === undefined ? await this.readerFor(url, devices) : chooseDevice(devices, { issuer: url.issuer }, deviceId, this.keysFile);
    return parseLoginRequest(await this.deviceCall(reader, 'login', 'GET', this.requestPath(url.issuer, url.id)), url);
  }

  /**
   * Any key at the issuer may sign the read (the answer, not the read, picks the account), but
   * with keys of several accounts here the one the request names reads it (§7): an unsigned read
   * shows its account_hint first, so that the scan is that account's and a key of another
   * account (perhaps revoked) does not stand in the way.
   */
  private async readerFor(url: ScaninUrl, devices: StoredDevice[]): Promise<StoredDevice> {
    const atIssuer = devices.filter((device) => device.issuer === url.issuer);
    if (new Set(atIssuer.map((device) => device.sub)).size > 1) {
      const view = object(await this.call('GET', this.requestPath(url.issuer, url.id)), 'request');
      const hint = view.account_hint;
      const named = typeof hint === 'string' ? atIssuer.find((device) => accountHint(url.id, device.sub) === hint) : undefined;
      if (named) return named;
    }
    return atIssuer[0] ?? chooseDevice(devices, { issuer: url.issuer }, undefined, this.keysFile);
  }

  /** Scans a login QR code and answers it at once. */
  async answer(urlText: string, decision: Decision, options: AnswerOptions = {}): Promise<AnswerResult> {
    return this.answerRequest(await this.fetchLoginRequest(urlText, options.deviceId), decision, options);
  }

  /** Answers a request already fetched, e.g. after showing it to the user. */
  async answerRequest(request: LoginRequest, decision: Decision, options: AnswerOptions = {}): Promise<AnswerResult> {
    const device = chooseDevice(await loadDevices(this.keysFile), request, options.deviceId, this.keysFile);
    const num = chooseNumber(request, decision, options.number);
    const key = importDeviceKey(device.alg, Buffer.from(device.private_key, 'base64url'));
    const assertion = signAssertion(key, deviceHeader(key), {
      aud: request.issuer,
      iat: this.nowSeconds(),
      act: 'login',
      rid: request.rid,
      chal: request.challenge,
      decision,
      ...(num === undefined ? {} : { num }),
      ...(request.authorization_details === undefined ? {} : { adh: authorizationDetailsHash(request.authorization_details) }),
      ...(options.userVerified ? { uv: true, ...(options.verificationMethod ? { uvm: options.verificationMethod } : {}) } : {}),
    });
    const answer = object(await this.call('POST', this.requestPath(request.issuer, request.rid), JSON.stringify({ assertion })), 'answer');
    return { status: string(answer, 'status', 'answer'), ...(answer.access === 'denied' ? { access: 'denied' as const } : {}), request };
  }

  /** The enrolled devices, without their private keys. */
  async list(): Promise<DeviceSummary[]> {
    const devices = await loadDevices(this.keysFile);
    return devices.map(({ private_key: _secret, vault_key: _vaultKey, ...summary }) => summary);
  }

  /** `GET /device/v1/vault`, decrypted with this device's vault key. */
  async readVault(issuer: string, deviceId?: string): Promise<VaultContents> {
    const device = await this.deviceFor(issuer, deviceId);
    const answer = object(await this.deviceCall(device, 'vault', 'GET', `${issuer}/device/v1/vault`), 'vault');
    const version = number(answer, 'version', 'vault');
    if (answer.data === null) return { version, text: null, updated_at: null };
    if (!device.vault_key) throw new Error(`the vault of device ${device.device_id} was written, but this key store has no vault key for it`);
    return { version, text: openVault(device.vault_key, device.device_id, string(answer, 'data', 'vault')), updated_at: number(answer, 'updated_at', 'vault') };
  }

  /**
   * `PUT /device/v1/vault`: encrypts `text` and writes it over version `replaces` (the one read).
   * A stale `replaces` is refused by the server (409 version_conflict), never overwritten.
   */
  async writeVault(issuer: string, text: string, replaces: number, deviceId?: string): Promise<{ version: number }> {
    let device = await this.deviceFor(issuer, deviceId);
    if (!device.vault_key) device = await this.addVaultKey(device);
    const data = sealVault(device.vault_key!, device.device_id, text);
    const answer = object(await this.deviceCall(device, 'vault', 'PUT', `${issuer}/device/v1/vault`, { version: replaces, data }), 'vault answer');
    return { version: number(answer, 'version', 'vault answer') };
  }

  /** Key stores written before the vault existed get a vault key at its first use. */
  private async addVaultKey(device: StoredDevice): Promise<StoredDevice> {
    const devices = await loadDevices(this.keysFile);
    const updated = { ...device, vault_key: newVaultKey() };
    await saveDevices(this.keysFile, devices.map((candidate) => (candidate.device_id === device.device_id ? updated : candidate)));
    return updated;
  }

  /**
   * `GET /device/v1/device` (docs/protocol.md §6, "Waiting for confirmation"): this device's state.
   * By default the device enrolled last at `issuer` (the one just added). `wait` (seconds, at most
   * 30) makes a waiting device's call return as soon as it is confirmed or rejected. A rejected
   * (or never confirmed) device gets 403 device_revoked, and its key is deleted here (§12).
   */
  async deviceStatus(issuer: string, options: { wait?: number; deviceId?: string } = {}): Promise<DeviceStatus> {
    const devices = (await loadDevices(this.keysFile)).filter((candidate) => candidate.issuer === issuer);
    const device = options.deviceId === undefined ? devices.at(-1) : devices.find((candidate) => candidate.device_id === options.deviceId);
    if (!device) throw new Error(`no device ${options.deviceId ?? ''}${options.deviceId ? ' ' : ''}enrolled at ${issuer} in ${this.keysFile}`);
    const url = `${issuer}/device/v1/device${options.wait ? `?wait=${options.wait}` : ''}`;
    let answer: Json;
    try {
      answer = object(await this.deviceCall(device, 'device', 'GET', url), 'device');
    } catch (error) {
      if (error instanceof DeviceApiError && error.error === 'device_revoked') {
        await saveDevices(this.keysFile, (await loadDevices(this.keysFile)).filter((candidate) => candidate.device_id !== device.device_id));
      }
      throw error;
    }
    const confirmBy = answer.confirm_by;
    if (confirmBy !== null && typeof confirmBy !== 'number') throw new Error(`device.confirm_by: expected a number or null, got ${JSON.stringify(confirmBy)}`);
    const status: DeviceStatus = {
      device_id: string(answer, 'device_id', 'device'),
      sub: string(answer, 'sub', 'device'),
      status: string(answer, 'status', 'device'),
      device_name: string(answer, 'device_name', 'device'),
      confirm_by: confirmBy,
    };
    expectSame('device.device_id', device.device_id, status.device_id);
    return status;
  }

  /**
   * After enrolling with `pending_confirmation`: long polls until the browser confirms the device
   * (resolves `active`) or rejects it, or its time runs out (DeviceApiError device_revoked).
   */
  async waitForConfirmation(issuer: string, deviceId: string): Promise<DeviceStatus> {
    for (;;) {
      const status = await this.deviceStatus(issuer, { wait: 30, deviceId });
      if (status.status !== 'pending_confirmation') return status;
    }
  }

  /**
   * `GET /device/v1/inbox`: the sign-ins an app started without a browser (CIBA) for this
   * device's account. `wait` (seconds, at most 30) waits for one when there is none yet.
   */
  async inbox(issuer: string, options: { wait?: number; deviceId?: string } = {}): Promise<InboxEntry[]> {
    const device = await this.deviceFor(issuer, options.deviceId);
    const url = `${issuer}/device/v1/inbox${options.wait ? `?wait=${options.wait}` : ''}`;
    const answer = object(await this.deviceCall(device, 'inbox', 'GET', url), 'inbox');
    if (!Array.isArray(answer.requests)) throw new Error('inbox.requests: expected an array');
    return answer.requests.map((entry: unknown, index: number) => {
      const where = `inbox.requests[${index}]`;
      const json = object(entry, where);
      const client = object(json.client, `${where}.client`);
      const message = json.binding_message;
      if (message !== null && typeof message !== 'string') throw new Error(`${where}.binding_message: expected a string or null`);
      const parsed = parseScaninUrl(string(json, 'url', where));
      // The inbox may only send this device to its own issuer's requests.
      if (parsed?.kind !== 'login' || parsed.issuer !== issuer) throw new Error(`${where}.url: expected a login request URL at ${issuer}`);
      // An inbox lists only the polling key's account's requests; anything else is not for this key.
      expectSame(`${where}.sub (the account of the key that polled)`, device.sub, string(json, 'sub', where));
      return {
        rid: string(json, 'rid', where),
        url: string(json, 'url', where),
        sub: device.sub,
        client: { client_id: string(client, 'client_id', `${where}.client`), name: string(client, 'name', `${where}.client`) },
        binding_message: message,
        expires_at: number(json, 'expires_at', where),
      };
    });
  }

  /** A device's own request, signed in its Authorization header over method, URL and body. */
  private deviceCall(device: StoredDevice, act: 'vault' | 'login' | 'inbox' | 'device', method: 'GET' | 'PUT', url: string, body?: Json): Promise<unknown> {
    const bytes = Buffer.from(body === undefined ? '' : JSON.stringify(body), 'utf8');
    const key = importDeviceKey(device.alg, Buffer.from(device.private_key, 'base64url'));
    const authorization = requestAuthorization(key, { issuer: device.issuer, act, method, url, body: bytes, iat: this.nowSeconds() });
    return this.call(method, url, body === undefined ? undefined : bytes.toString('utf8'), authorization);
  }

  /** The key for the device's own requests (the vault) at `issuer`, by the same choice rule. */
  private async deviceFor(issuer: string, deviceId: string | undefined): Promise<StoredDevice> {
    return chooseDevice(await loadDevices(this.keysFile), { issuer }, deviceId, this.keysFile);
  }

  private nowSeconds(): number {
    return Math.floor(this.now() / 1000);
  }

  private requestPath(issuer: string, rid: string): string {
    return `${issuer}/device/v1/requests/${encodeURIComponent(rid)}`;
  }

  /** One JSON exchange with the device API; protocol errors become DeviceApiError. */
  private async call(method: 'GET' | 'POST' | 'PUT', url: string, body?: string, authorization?: string): Promise<unknown> {
    let response: Response;
    try {
      response = await this.fetch(url, {
        method,
        headers: {
          accept: 'application/json',
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          ...(authorization === undefined ? {} : { authorization }),
        },
        ...(body === undefined ? {} : { body }),
      });
    } catch (error) {
      // fetch says only "fetch failed"; what went wrong (ECONNREFUSED, a bad certificate) is the cause.
      const { message, cause } = error as Error & { cause?: Error };
      throw new Error(`${method} ${url}: cannot reach the server (${cause?.message ?? message})`);
    }
    const text = await response.text();
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new Error(`${method} ${url}: HTTP ${response.status}, expected a JSON body, got ${JSON.stringify(text.slice(0, 200))}`);
    }
    if (response.ok) return json;
    const error = json as { error?: unknown; error_description?: unknown } | null;
    if (typeof error?.error !== 'string') throw new Error(`${method} ${url}: HTTP ${response.status} without a protocol error: ${text.slice(0, 200)}`);
    throw new DeviceApiError(response.status, error.error, typeof error.error_description === 'string' ? error.error_description : '');
  }
}

/**
 * Which key answers (docs/protocol.md §7, "Which account answers"): one of the request's issuer;
 * when the request carries account_hint, one whose account it names, and none if no key does;
 * without a hint, the key of the only account held there, else the user must choose (`deviceId`).
 */
function chooseDevice(
  devices: StoredDevice[],
  request: { issuer: string; rid?: string; account_hint?: string },
  deviceId: string | undefined,
  keysFile: string,
): StoredDevice {
  const atIssuer = devices.filter((device) => device.issuer === request.issuer);
  const hint = request.account_hint;
  const fits = (device: StoredDevice) => hint === undefined || accountHint(request.rid!, device.sub) === hint;
  if (deviceId !== undefined) {
    const device = devices.find((candidate) => candidate.device_id === deviceId);
    if (!device) throw new Error(`no device ${deviceId} in ${keysFile}`);
    expectSame(`issuer of device ${deviceId}`, request.issuer, device.issuer);
    if (!fits(device)) throw new Error(`this sign-in is for another account than ${device.email}, the account of device ${deviceId}`);
    return device;
  }
  if (atIssuer.length === 0) throw new Error(`no device enrolled at ${request.issuer} in ${keysFile}: enroll one first`);
  const candidates = atIssuer.filter(fits);
  if (candidates.length === 0) {
    throw new Error(
      `this sign-in is for another account than those enrolled at ${request.issuer} (${[...new Set(atIssuer.map((d) => d.email))].join(', ')}); if the browser says "Continue as" someone else, choose "Use another account" there and scan again`,
    );
  }
  const accounts = new Set(candidates.map((device) => device.sub));
  if (accounts.size > 1) {
    const choices = candidates.map((device) => `${device.device_id} (${device.email})`).join(', ');
    throw new Error(`several accounts are enrolled at ${request.issuer}: choose the device to answer with: ${choices}`);
  }
  return candidates[0]!;
}

/**
 * The `num` to sign. Approving a request that shows a number takes the number the user read
 * off the browser, and it must be one of the three offered: a phone can only tap one of those,
 * and a wrong one ends the request for good. Denying needs none.
 */
function chooseNumber(request: LoginRequest, decision: Decision, picked: string | undefined): string | undefined {
  const choices = request.number_choices;
  if (!choices) return undefined;
  if (picked === undefined) {
    if (decision === 'deny') return undefined;
    throw new Error(`this request asks which number the browser shows: one of ${choices.join(', ')}`);
  }
  if (!choices.includes(picked)) throw new Error(`number ${JSON.stringify(picked)} is not one of the choices ${choices.join(', ')}`);
  return picked;
}
