// What the device-API security tests share: a real Scanin whose clock a test may hold still (so
// the 60 s iat window can be probed to the second), a phone whose private key the test holds (so
// it can forge what a real phone never sends), raw HTTP to the device API, and checks that a
// refused answer left the login request, the devices and the browser's stream as they were.
import { connect } from 'node:net';
import { Readable } from 'node:stream';
import { p256 } from '@noble/curves/nist.js';
import { Agent, request } from 'undici';
import { afterAll, beforeAll, expect } from 'vitest';
import { signAssertion, deviceHeader, enrollmentHeader, requestAuthorization } from '../../src/authenticator/assertion.ts';
import { generateDeviceKey, type DeviceKey } from '../../src/authenticator/keys.ts';
import { systemClock, type Clock } from '../../src/clock.ts';
import { interactionTopic, type LoginEvent } from '../../src/events/bus.ts';
import { loadConfig } from '../../src/config/env.ts';
import { createEnrollment } from '../../src/enrollment/enrollments.ts';
import type { DeviceAlg } from '../../src/protocol/jwk.ts';
import { startScanin } from '../../src/server.ts';
import { ensureAccount } from '../../src/store/accounts.ts';
import { listDevices } from '../../src/store/devices.ts';
import type { Enrollment } from '../../src/store/enrollments.ts';
import { findLoginRequest, type LoginRequest } from '../../src/store/loginRequests.ts';
import { openEvents, openLoginPage, type OpenLogin } from './login.ts';
import { discover } from './rp.ts';
import { testDir, testEnv, type TestScanin } from './scanin.ts';
import type { EventStream, StreamEvent } from './sse.ts';

// --- a Scanin with a clock the test can stop ---

/** The system clock, unless a test froze it at a given second. */
export class TestClock {
  private frozenAt: number | undefined;
  readonly now: Clock = () => this.frozenAt ?? systemClock();

  freeze(at = systemClock()): number {
    this.frozenAt = at;
    return at;
  }

  release(): void {
    this.frozenAt = undefined;
  }
}

export type DeviceTestScanin = TestScanin & { clock: TestClock };

/** Like startTestScanin, with the server's one clock in the test's hands. */
export async function startDeviceTestScanin(env: Record<string, string> = {}): Promise<DeviceTestScanin> {
  const dir = testDir();
  const fullEnv = testEnv(dir, env);
  const config = loadConfig(fullEnv);
  const clock = new TestClock();
  const running = await startScanin(config, clock.now);
  return Object.assign(running, { dir, env: { ...fullEnv, ISSUER: running.issuer }, config, clock });
}

// --- raw HTTP to the device API ---

export type Answer = { status: number; body: Record<string, unknown>; text: string; headers: Record<string, string | string[] | undefined> };

export type Body =
  | { json: unknown }
  | { raw: string | Buffer; contentType?: string }
  | { stream: Readable; contentType?: string };

/**
 * One exchange with the API. Streamed and oversized bodies go over a connection of their own,
 * closed afterwards, so that whatever the server leaves behind on it cannot touch later calls
 * (see "after an oversized chunked body…" in loginRequestChecks.test.ts).
 */
export async function call(scanin: TestScanin, method: 'GET' | 'POST' | 'HEAD' | 'PUT' | 'DELETE', path: string, body?: Body, headers: Record<string, string> = {}): Promise<Answer> {
  let payload: string | Buffer | Readable | undefined;
  let contentType: string | undefined = 'application/json';
  if (body && 'json' in body) payload = JSON.stringify(body.json);
  else if (body && 'raw' in body) [payload, contentType] = [body.raw, body.contentType ?? contentType];
  else if (body && 'stream' in body) [payload, contentType] = [body.stream, body.contentType ?? contentType];
  const ownConnection = payload instanceof Readable || (payload !== undefined && Buffer.byteLength(payload) > 64 * 1024) ? new Agent() : undefined;
  try {
    const response = await request(`${scanin.issuer}${path}`, {
      method,
      headers: { accept: 'application/json', ...headers, ...(payload !== undefined && contentType ? { 'content-type': contentType } : {}) },
      body: payload,
      ...(ownConnection ? { dispatcher: ownConnection } : {}),
    });
    return readAnswer(response.statusCode, response.headers, await response.body.text());
  } finally {
    await ownConnection?.destroy();
  }
}

function readAnswer(status: number, headers: Answer['headers'], text: string): Answer {
  let parsed: Record<string, unknown> = {};
  try {
    parsed = JSON.parse(text) as Record<string, unknown>;
  } catch {
    // Left empty: the status assertion will say what arrived.
  }
  return { status, body: parsed, text, headers };
}

export type RawExchange = { responses: string[]; closedByServer: boolean };

/**
 * Writes `bytes` on one raw TCP connection (requests one after another, as a keep-alive client
 * does) and collects the status line and headers of each answer, until `expected` answers have
 * come, the server closes the connection, or `waitMs` has passed.
 */
export async function rawExchange(scanin: TestScanin, bytes: Array<string | Buffer>, expected: number, waitMs: number): Promise<RawExchange> {
  const socket = connect(scanin.port, '127.0.0.1');
  let received = '';
  let closedByServer = false;
  const heads = () => received.match(/HTTP\/1\.1 \d{3} [\s\S]*?\r\n\r\n/g) ?? [];
  await new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, waitMs);
    const done = () => {
      clearTimeout(timer);
      resolve();
    };
    socket.on('data', (data: Buffer) => {
      received += data.toString('latin1');
      if (heads().length >= expected) done();
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      closedByServer = true;
      done();
    });
    for (const part of bytes) socket.write(part);
  });
  const byServer = closedByServer;
  socket.destroy();
  return { responses: heads().map((head) => head.trimEnd()), closedByServer: byServer };
}

export const requestPath = (rid: string) => `/device/v1/requests/${encodeURIComponent(rid)}`;
export const enrollmentPath = (eid: string) => `/device/v1/enrollments/${encodeURIComponent(eid)}`;

export function postAssertion(scanin: TestScanin, path: string, assertion: string): Promise<Answer> {
  return call(scanin, 'POST', path, { json: { assertion } });
}

/** The documented error: this status and this `error` code, with a description. */
export function expectError(answer: Answer, status: number, code: string): void {
  expect({ status: answer.status, error: answer.body.error }, answer.text).toEqual({ status, error: code });
  expect(typeof answer.body.error_description).toBe('string');
}

/** A body of `size` bytes sent in 16 KiB chunks with no Content-Length (chunked encoding). */
export function chunkedBody(size: number): Readable {
  const chunk = Buffer.alloc(16 * 1024, 0x20);
  let left = size;
  return new Readable({
    read() {
      if (left <= 0) return void this.push(null);
      const part = chunk.subarray(0, Math.min(left, chunk.length));
      left -= part.length;
      this.push(part);
    },
  });
}

// --- a phone whose key the test holds ---

export type TestDevice = { key: DeviceKey; id: string; accountId: string };

export async function newInvite(scanin: TestScanin, email: string, ttlSeconds = 3600): Promise<Enrollment> {
  const { db, clock } = scanin.services;
  const account = await ensureAccount(db, clock, email, 'Test Person');
  return createEnrollment(db, clock, account, 'invite', ttlSeconds);
}

export type EnrollmentView = { eid: string; challenge: string };

/** The payload a phone signs to enroll; `overrides` replace (or, when undefined, remove) claims. */
export function enrollmentPayload(scanin: TestScanin, enrollment: EnrollmentView, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return withOverrides(
    { aud: scanin.issuer, iat: scanin.services.clock(), act: 'enroll', eid: enrollment.eid, chal: enrollment.challenge, device_name: 'Test Phone' },
    overrides,
  );
}

export function enrollmentAssertion(scanin: TestScanin, key: DeviceKey, enrollment: EnrollmentView, overrides: Record<string, unknown> = {}): string {
  return signAssertion(key, enrollmentHeader(key), enrollmentPayload(scanin, enrollment, overrides));
}

/** Enrolls a new key of `alg` over HTTP, as a phone does: read the enrollment, prove the key. */
export async function enrollDevice(scanin: TestScanin, email: string, alg: DeviceAlg = 'ES256'): Promise<TestDevice> {
  const invite = await newInvite(scanin, email);
  const view = await call(scanin, 'GET', enrollmentPath(invite.eid));
  expect(view.status, view.text).toBe(200);
  const key = generateDeviceKey(alg);
  const answer = await postAssertion(scanin, enrollmentPath(invite.eid), enrollmentAssertion(scanin, key, view.body as EnrollmentView));
  expect(answer.status, answer.text).toBe(201);
  expect(answer.body.device_id).toBe(key.deviceId);
  return { key, id: key.deviceId, accountId: invite.account_id };
}

// --- a device reading a login request ---

const readers = new WeakMap<TestScanin, Promise<TestDevice>>();

/** A device enrolled only to read login requests (reads are signed; any account's device may). */
export function readerDevice(scanin: TestScanin): Promise<TestDevice> {
  let reader = readers.get(scanin);
  if (!reader) readers.set(scanin, (reader = enrollDevice(scanin, 'reader@example.com')));
  return reader;
}

/** `GET /device/v1/requests/{rid}` signed with `Authorization: Scanin` by `device` (by default the reader). */
export async function signedRead(scanin: TestScanin, rid: string, device?: TestDevice, method: 'GET' | 'HEAD' = 'GET', headers: Record<string, string> = {}): Promise<Answer> {
  const signer = device ?? (await readerDevice(scanin));
  const url = `${scanin.issuer}${requestPath(rid)}`;
  const authorization = requestAuthorization(signer.key, { issuer: scanin.issuer, act: 'login', method, url, body: new Uint8Array(), iat: scanin.services.clock() });
  return call(scanin, method, requestPath(rid), undefined, { ...headers, authorization });
}

/**
 * `GET /device/v1/device` (a device asking about its own state, e.g. whether it was confirmed)
 * signed by `device`; `overrides` change what is signed.
 */
export function deviceStatusCall(scanin: TestScanin, device: TestDevice, query = '', overrides: { act?: string; iat?: number } = {}): Promise<Answer> {
  const path = `/device/v1/device${query}`;
  const authorization = requestAuthorization(device.key, { issuer: scanin.issuer, act: overrides.act ?? 'device', method: 'GET', url: `${scanin.issuer}${path}`, body: new Uint8Array(), iat: overrides.iat ?? scanin.services.clock() });
  return call(scanin, 'GET', path, undefined, { authorization });
}

// --- a browser waiting on a QR code ---

export type WaitingLogin = OpenLogin & {
  /** The browser's Server-Sent Events stream, as the page reads it. */
  events: EventStream;
  /** Every event the server published for this interaction since it was set up (after the scan). */
  published: LoginEvent[];
  challenge: string;
};

/**
 * A browser on the QR page with its event stream open, and the phone having scanned the code
 * (the stream's `scanned` event already taken). `scanned: false` leaves the request pending.
 * Events are also recorded where the server publishes them: the server publishes before it
 * answers the phone, so once an answer has arrived, `published` is complete without waiting.
 */
export async function waitingLogin(scanin: TestScanin, options: { scanned?: boolean; params?: Record<string, string> } = {}): Promise<WaitingLogin> {
  const login = await openLoginPage(await discover(scanin.issuer), undefined, options.params);
  const events = await openEvents(login);
  expect(events.status).toBe(200);
  const row = (await findLoginRequest(scanin.services.db, login.rid))!;
  if (options.scanned !== false) {
    const scan = await signedRead(scanin, login.rid);
    expect(scan.status, scan.text).toBe(200);
    expect((await events.next()).type).toBe('scanned');
  }
  const published: LoginEvent[] = [];
  // As the browser sees them: the type and data (not the approval time kept for metrics).
  scanin.services.bus.subscribe(interactionTopic(login.uid), (event) => published.push({ type: event.type, data: event.data } as LoginEvent));
  return { ...login, events, published, challenge: row.challenge };
}

/** The payload a phone signs to answer; `overrides` replace (or, when undefined, remove) claims. */
export function loginPayload(scanin: TestScanin, login: { rid: string; challenge: string }, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return withOverrides(
    { aud: scanin.issuer, iat: scanin.services.clock(), act: 'login', rid: login.rid, chal: login.challenge, decision: 'approve' },
    overrides,
  );
}

export function loginAssertion(scanin: TestScanin, device: TestDevice, login: { rid: string; challenge: string }, overrides: Record<string, unknown> = {}): string {
  return signAssertion(device.key, deviceHeader(device.key), loginPayload(scanin, login, overrides));
}

export function answerLogin(scanin: TestScanin, rid: string, assertion: string): Promise<Answer> {
  return postAssertion(scanin, requestPath(rid), assertion);
}

// --- state that must not have changed ---

/** The request is still open, in `status`, and nobody's answer is recorded in it. */
export async function expectRequestOpen(scanin: TestScanin, rid: string, status: 'pending' | 'scanned' = 'scanned'): Promise<LoginRequest> {
  const row = (await findLoginRequest(scanin.services.db, rid))!;
  expect(row).toMatchObject({ status, device_id: null, account_id: null, answered_at: null });
  return row;
}

/**
 * The proof that refused answers changed nothing: the row is still open and unanswered, and the
 * genuine phone can still approve it, with `approved` the very next event the browser gets.
 */
export async function expectStillApprovable(
  scanin: TestScanin,
  login: WaitingLogin,
  device: TestDevice,
  status: 'pending' | 'scanned' = 'scanned',
  /** What the genuine approval signs besides the usual claims (a request that requires uv needs it). */
  overrides: Record<string, unknown> = {},
): Promise<void> {
  await expectRequestOpen(scanin, login.rid, status);
  expect(login.published).toEqual([]);
  const answer = await answerLogin(scanin, login.rid, loginAssertion(scanin, device, login, overrides));
  expect(answer.status, answer.text).toBe(200);
  expect(answer.body).toEqual({ status: 'approved' });
  const next: StreamEvent = await login.events.next();
  expect(next).toEqual({ type: 'approved', data: { complete_url: `/interaction/${login.uid}/complete`, account: expect.any(String) } });
  expect(login.published).toEqual([next]);
  login.events.close();
}

export async function deviceCount(scanin: TestScanin, accountId: string): Promise<number> {
  return (await listDevices(scanin.services.db, accountId)).length;
}

// --- forging ---

/** `base64url(JSON)`, for hand-built JWS parts. */
export function b64json(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

/** The same ES256 signature in its other valid form: s replaced by n − s (high-S ↔ low-S). */
export function flipS(compactJws: string): string {
  const [header, payload, signature] = compactJws.split('.') as [string, string, string];
  const bytes = Buffer.from(signature, 'base64url');
  const s = BigInt(`0x${bytes.subarray(32).toString('hex')}`);
  const flipped = Buffer.from((p256.Point.CURVE().n - s).toString(16).padStart(64, '0'), 'hex');
  return `${header}.${payload}.${Buffer.concat([bytes.subarray(0, 32), flipped]).toString('base64url')}`;
}

/** Whether the s half of an ES256 signature is above n/2. */
export function isHighS(compactJws: string): boolean {
  const bytes = Buffer.from(compactJws.split('.')[2]!, 'base64url');
  return BigInt(`0x${bytes.subarray(32).toString('hex')}`) > p256.Point.CURVE().n / 2n;
}

function withOverrides(base: Record<string, unknown>, overrides: Record<string, unknown>): Record<string, unknown> {
  const result = { ...base, ...overrides };
  for (const [claim, value] of Object.entries(overrides)) if (value === undefined) delete result[claim];
  return result;
}

/**
 * For a test file: a Scanin with a test clock and one enrolled phone (alice@example.com), started
 * before its tests and closed after them. Read `world.scanin` and `world.phone` inside tests.
 */
export function useScaninWithPhone(env: Record<string, string> = {}): { scanin: DeviceTestScanin; phone: TestDevice } {
  const world = {} as { scanin: DeviceTestScanin; phone: TestDevice };
  beforeAll(async () => {
    world.scanin = await startDeviceTestScanin(env);
    world.phone = await enrollDevice(world.scanin, 'alice@example.com');
  });
  afterAll(async () => {
    await world.scanin?.close();
  });
  return world;
}
