// Property test (fast-check) of every device endpoint against a running Scanin: malformed JSON,
// JWS-shaped strings with arbitrary headers and payloads, invalid UTF-8, huge and odd numbers,
// deep nesting, random Authorization headers. Whatever arrives, the answer is a 4xx with the
// JSON error shape (never a 5xx), and no login request, enrollment, device or vault changes.
import fc from 'fast-check';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { enrollDevice, newInvite, type TestDevice } from '../helpers/device.ts';
import { openLoginPage } from '../helpers/login.ts';
import { discover } from '../helpers/rp.ts';
import { startTestScanin, type TestScanin } from '../helpers/scanin.ts';

const RUNS = 120;

const b64 = (text: string | Uint8Array) => Buffer.from(text).toString('base64url');

/** JSON texts a parser finds hard: deep nesting, huge and odd numbers, long strings. */
const hostileJsonText = fc.oneof(
  fc.integer({ min: 1, max: 20_000 }).map((depth) => '['.repeat(depth) + ']'.repeat(depth)),
  fc.integer({ min: 1, max: 5_000 }).map((depth) => '{"a":'.repeat(depth) + '1' + '}'.repeat(depth)),
  fc.constantFrom('1e999999', '-1e999999', '123456789012345678901234567890', '-0', '0.1e-400', 'NaN', 'Infinity', '1.7976931348623157e309'),
  fc.json(),
  fc.string(),
);

/** A JWS-looking string: header and payload from hostile JSON, any signature bytes. */
const hostileJws = fc.oneof(
  fc.tuple(hostileJsonText, hostileJsonText, fc.uint8Array({ maxLength: 80 })).map(([header, payload, signature]) => `${b64(header)}.${b64(payload)}.${b64(signature)}`),
  fc.tuple(fc.json(), fc.uint8Array({ maxLength: 64 })).map(([payload, signature]) => `${b64('{"alg":"ES256","typ":"scanin+jwt","kid":"x"}')}.${b64(payload)}.${b64(signature)}`),
  fc.record({ iat: fc.oneof(fc.double(), fc.bigInt().map(String), fc.constant(1e308)), aud: fc.string(), act: fc.string(), rid: fc.string() })
    .map((payload) => `${b64('{"alg":"EdDSA","typ":"scanin+jwt","kid":"AAAA"}')}.${b64(JSON.stringify(payload))}.${b64(new Uint8Array(64))}`),
  fc.string({ maxLength: 300 }),
  fc.stringMatching(/^[A-Za-z0-9_.-]{0,200}$/),
);

/** A request body: raw bytes (invalid UTF-8 included), hostile JSON, or an assertion wrapper. */
const hostileBody = fc.oneof(
  fc.uint8Array({ maxLength: 2_000 }).map((bytes) => Buffer.from(bytes)),
  hostileJsonText.map((text) => Buffer.from(text)),
  hostileJws.map((assertion) => Buffer.from(JSON.stringify({ assertion }))),
  fc.tuple(hostileJws, fc.json()).map(([assertion, extra]) => Buffer.from(`{"assertion":${JSON.stringify(assertion)},"x":${extra}}`)),
  fc.constant(Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d])), // {"a":"<invalid UTF-8>"}
);

const contentType = fc.constantFrom('application/json', 'application/json; charset=utf-8', 'text/plain', 'application/x-www-form-urlencoded', '');
/** Header values must be bytes Node accepts, within its 16 KiB of headers; the rest is up to the property. */
const authorization = fc.oneof(hostileJws.map((jws) => `Scanin ${jws}`.slice(0, 8_000)), fc.stringMatching(/^[\x20-\x7e]{0,300}$/), fc.constant(''));

type Snapshot = Record<string, unknown[]>;

describe('every device endpoint, fed malformed input', () => {
  let scanin: TestScanin;
  let phone: TestDevice;
  let paths: Array<{ method: 'GET' | 'POST' | 'PUT'; path: string }>;

  async function snapshot(): Promise<Snapshot> {
    const { db } = scanin.services;
    return {
      login_requests: await db('login_requests').orderBy('rid').select('rid', 'status', 'device_id', 'account_id', 'answered_at'),
      enrollments: await db('enrollments').orderBy('eid').select('eid', 'status', 'device_id'),
      devices: await db('devices').orderBy('id').select('id', 'status', 'last_used_at'),
      device_vaults: await db('device_vaults').select('*'),
    };
  }

  beforeAll(async () => {
    scanin = await startTestScanin({ env: { NUMBER_MATCHING: 'true' } });
    phone = await enrollDevice(scanin, 'fuzz@example.com');
    const login = await openLoginPage(await discover(scanin.issuer));
    const invite = await newInvite(scanin, 'fuzz-invite@example.com');
    paths = [
      { method: 'GET', path: `/device/v1/requests/${login.rid}` },
      { method: 'POST', path: `/device/v1/requests/${login.rid}` },
      { method: 'GET', path: `/device/v1/enrollments/${invite.eid}` },
      { method: 'POST', path: `/device/v1/enrollments/${invite.eid}` },
      { method: 'GET', path: '/device/v1/vault' },
      { method: 'PUT', path: '/device/v1/vault' },
    ];
  });
  afterAll(async () => {
    await scanin?.close();
  });

  it('never answers 5xx, always answers JSON errors as documented, and changes nothing', { timeout: 240_000 }, async () => {
    expect(phone.id).toBeTruthy();
    const before = await snapshot();
    await fc.assert(
      fc.asyncProperty(fc.nat({ max: 5 }), hostileBody, contentType, authorization, async (which, body, type, auth) => {
        const { method, path } = paths[which]!;
        const response = await request(`${scanin.issuer}${path}`, {
          method,
          headers: { accept: 'application/json', ...(type ? { 'content-type': type } : {}), ...(auth ? { authorization: auth } : {}) },
          body: method === 'GET' ? undefined : body,
        });
        const text = await response.body.text();
        // Reading an open enrollment, or an open login request unsigned, is allowed (and changes
        // nothing); everything else here is refused.
        if (response.statusCode === 200) {
          // An Authorization of only spaces arrives empty (HTTP trims a field's value): unsigned.
          expect(method === 'GET' && (path.includes('/enrollments/') || !auth.trim())).toBe(true);
          return;
        }
        expect(response.statusCode, `${method} ${path} → ${response.statusCode} ${text}`).toBeGreaterThanOrEqual(400);
        expect(response.statusCode, `${method} ${path} → ${text}`).toBeLessThan(500);
        const json = JSON.parse(text) as { error?: unknown; error_description?: unknown };
        expect(typeof json.error).toBe('string');
        expect(typeof json.error_description).toBe('string');
      }),
      { numRuns: RUNS * paths.length },
    );
    expect(await snapshot()).toEqual(before);
  });
});
