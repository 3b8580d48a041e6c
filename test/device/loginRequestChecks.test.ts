// What the device API checks before it looks at an assertion, and in which order:
// body size (413) → JSON shape (400) → the request exists (404) → still open (410, 409) →
// the assertion (401, 403) → its binding to this request (401). Bad input never changes state.
import { describe, expect, it } from 'vitest';
import { deviceHeader, signAssertion } from '../../src/authenticator/assertion.ts';
import { generateDeviceKey } from '../../src/authenticator/keys.ts';
import { revokeDevice } from '../../src/store/devices.ts';
import { findLoginRequest } from '../../src/store/loginRequests.ts';
import {
  answerLogin,
  call,
  chunkedBody,
  enrollDevice,
  expectError,
  expectRequestOpen,
  expectStillApprovable,
  loginAssertion,
  loginPayload,
  rawExchange,
  requestPath,
  startDeviceTestScanin,
  useScaninWithPhone,
  waitingLogin,
  type Body,
  type WaitingLogin,
} from '../helpers/device.ts';

const MiB = 1024 * 1024;
const UNKNOWN_RID = 'AAAAAAAAAAAAAAAAAAAAAA';

const world = useScaninWithPhone();

/** Moves the request's end into the past, as if its 60 s had run out. */
async function expire(login: WaitingLogin): Promise<void> {
  await world.scanin.services.db('login_requests').where({ rid: login.rid }).update({ expires_at: world.scanin.services.clock() - 1 });
}

function post(rid: string, body: Body) {
  return call(world.scanin, 'POST', requestPath(rid), body);
}

describe('the body: at most 64 KiB of JSON, an object with an "assertion" string', () => {
  it('a 1 MiB body with a Content-Length gets 413 payload_too_large and changes nothing', async () => {
    const login = await waitingLogin(world.scanin);
    const padding = 'x'.repeat(MiB);
    expectError(await post(login.rid, { json: { assertion: loginAssertion(world.scanin, world.phone, login), padding } }), 413, 'payload_too_large');
    await expectStillApprovable(world.scanin, login, world.phone);
  });

  it('a 1 MiB body sent chunked, without a Content-Length, gets 413 payload_too_large and changes nothing', async () => {
    const login = await waitingLogin(world.scanin);
    expectError(await post(login.rid, { stream: chunkedBody(MiB) }), 413, 'payload_too_large');
    await expectStillApprovable(world.scanin, login, world.phone);
  });

  // The server stops reading an oversized chunked body at 64 KiB, so it cannot leave the
  // connection open for a next request: a world.phone's HTTP client reusing it would hang.
  it('after an oversized chunked body, the connection answers the next request or is closed with Connection: close', async () => {
    const chunk = Buffer.alloc(16 * 1024, 0x20);
    const body = Array.from({ length: 64 }, () => Buffer.concat([Buffer.from('4000\r\n'), chunk, Buffer.from('\r\n')]));
    const exchange = await rawExchange(
      world.scanin,
      [
        `POST ${requestPath(UNKNOWN_RID)} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n`,
        ...body,
        '0\r\n\r\n',
        'GET /.well-known/openid-configuration HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n',
      ],
      2,
      500,
    );
    expect(exchange.responses[0]).toMatch(/^HTTP\/1\.1 413 /);
    const closes = /\r\nconnection: close/i.test(exchange.responses[0]!);
    if (closes) expect(exchange.closedByServer).toBe(true);
    else expect(exchange.responses[1] ?? 'no answer on this connection').toMatch(/^HTTP\/1\.1 200 /);
  });

  it('after an oversized body with a Content-Length, the same connection answers the next request', async () => {
    const exchange = await rawExchange(
      world.scanin,
      [
        `POST ${requestPath(UNKNOWN_RID)} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${MiB}\r\n\r\n`,
        Buffer.alloc(MiB, 0x20),
        'GET /.well-known/openid-configuration HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n',
      ],
      2,
      5000,
    );
    expect(exchange.responses[0]).toMatch(/^HTTP\/1\.1 413 /);
    expect(exchange.responses[1] ?? 'no answer on this connection').toMatch(/^HTTP\/1\.1 200 /);
  });

  it('a valid assertion padded just past 64 KiB gets 413, even though the JSON is fine', async () => {
    const login = await waitingLogin(world.scanin);
    const assertion = loginAssertion(world.scanin, world.phone, login);
    const body = JSON.stringify({ assertion, padding: '' });
    const padding = 'x'.repeat(64 * 1024 - body.length + 1);
    expectError(await post(login.rid, { json: { assertion, padding } }), 413, 'payload_too_large');
    await expectStillApprovable(world.scanin, login, world.phone);
  });

  it('a valid assertion padded to exactly 64 KiB is accepted', async () => {
    const login = await waitingLogin(world.scanin);
    const assertion = loginAssertion(world.scanin, world.phone, login);
    const padding = 'x'.repeat(64 * 1024 - JSON.stringify({ assertion, padding: '' }).length);
    const answer = await post(login.rid, { json: { assertion, padding } });
    expect(answer.status, answer.text).toBe(200);
    login.events.close();
  });

  const shapes: Array<{ rule: string; body: Body }> = [
    { rule: 'a body that is not JSON', body: { raw: '{"assertion": "a.b.c"' } },
    { rule: 'an empty body', body: { raw: '' } },
    { rule: 'a JSON array', body: { json: ['a.b.c'] } },
    { rule: 'a JSON string', body: { json: 'a.b.c' } },
    { rule: 'JSON null', body: { json: null } },
    { rule: 'a JSON number', body: { json: 42 } },
    { rule: 'an object without "assertion"', body: { json: { jws: 'a.b.c' } } },
    { rule: 'an "assertion" that is not a string', body: { json: { assertion: 42 } } },
    { rule: 'an "assertion" that is an object', body: { json: { assertion: { header: {} } } } },
    { rule: 'an empty "assertion"', body: { json: { assertion: '' } } },
    { rule: 'JSON sent as text/plain', body: { raw: '{"assertion": "a.b.c"}', contentType: 'text/plain' } },
    { rule: 'JSON sent as a form', body: { raw: '{"assertion": "a.b.c"}', contentType: 'application/x-www-form-urlencoded' } },
  ];

  it.each(shapes)('$rule gets 400 invalid_request and changes nothing', async ({ body }) => {
    const login = await waitingLogin(world.scanin);
    expectError(await post(login.rid, body), 400, 'invalid_request');
    await expectStillApprovable(world.scanin, login, world.phone);
  });
});

describe('the request: it exists and is still open', () => {
  it('an unknown rid gets 404 not_found, for GET and for POST with a well-formed assertion', async () => {
    expectError(await call(world.scanin, 'GET', requestPath(UNKNOWN_RID)), 404, 'not_found');
    const assertion = loginAssertion(world.scanin, world.phone, { rid: UNKNOWN_RID, challenge: 'x'.repeat(43) });
    expectError(await answerLogin(world.scanin, UNKNOWN_RID, assertion), 404, 'not_found');
    expect(await findLoginRequest(world.scanin.services.db, UNKNOWN_RID)).toBeUndefined();
  });

  it('a rid in another spelling (case changed) is another rid: 404 not_found', async () => {
    const login = await waitingLogin(world.scanin, { scanned: false });
    const other = login.rid === login.rid.toUpperCase() ? login.rid.toLowerCase() : login.rid.toUpperCase();
    expectError(await call(world.scanin, 'GET', requestPath(other)), 404, 'not_found');
    await expectStillApprovable(world.scanin, login, world.phone, 'pending');
  });

  it('an expired request gets 410 expired for GET, and the browser hears nothing', async () => {
    const login = await waitingLogin(world.scanin, { scanned: false });
    await expire(login);
    expectError(await call(world.scanin, 'GET', requestPath(login.rid)), 410, 'expired');
    await expectRequestOpen(world.scanin, login.rid, 'pending');
    expect(login.published).toEqual([]);
    login.events.close();
  });

  it('an expired request gets 410 expired for POST with a valid approval, and stays unanswered', async () => {
    const login = await waitingLogin(world.scanin);
    await expire(login);
    expectError(await answerLogin(world.scanin, login.rid, loginAssertion(world.scanin, world.phone, login)), 410, 'expired');
    expectError(await answerLogin(world.scanin, login.rid, loginAssertion(world.scanin, world.phone, login, { decision: 'deny' })), 410, 'expired');
    await expectRequestOpen(world.scanin, login.rid, 'scanned');
    expect(login.published).toEqual([]);
    login.events.close();
  });

  it('a request expired by waiting out a short REQUEST_TTL gets 410 expired', async () => {
    const short = await startDeviceTestScanin({ REQUEST_TTL: '10' });
    try {
      const device = await enrollDevice(short, 'alice@example.com');
      const now = short.clock.freeze();
      const login = await waitingLogin(short);
      expect((await findLoginRequest(short.services.db, login.rid))!.expires_at).toBe(now + 10);
      short.clock.freeze(now + 10);
      // The iat is still within 60 s, the assertion is valid: only the request's time is up.
      expectError(await answerLogin(short, login.rid, loginAssertion(short, device, login, { iat: now })), 410, 'expired');
      expectError(await call(short, 'GET', requestPath(login.rid)), 410, 'expired');
      await expectRequestOpen(short, login.rid, 'scanned');
      login.events.close();
    } finally {
      await short.close();
    }
  });
});

describe('the order of checks: the first rule broken decides the answer', () => {
  it('an oversized body to an unknown rid gets 413, not 404', async () => {
    expectError(await post(UNKNOWN_RID, { stream: chunkedBody(MiB) }), 413, 'payload_too_large');
    expectError(await post(UNKNOWN_RID, { raw: Buffer.alloc(MiB, 0x20) }), 413, 'payload_too_large');
  });

  it('an oversized body to an answered request gets 413, not 409', async () => {
    const login = await waitingLogin(world.scanin);
    expect((await answerLogin(world.scanin, login.rid, loginAssertion(world.scanin, world.phone, login))).status).toBe(200);
    expectError(await post(login.rid, { raw: Buffer.alloc(MiB, 0x20) }), 413, 'payload_too_large');
    login.events.close();
  });

  it('malformed JSON to an unknown rid gets 400, not 404', async () => {
    expectError(await post(UNKNOWN_RID, { raw: '{not json' }), 400, 'invalid_request');
  });

  it('malformed JSON to an expired request gets 400, not 410', async () => {
    const login = await waitingLogin(world.scanin);
    await expire(login);
    expectError(await post(login.rid, { raw: '{not json' }), 400, 'invalid_request');
    login.events.close();
  });

  it('a forged assertion to an unknown rid gets 404, not 401', async () => {
    expectError(await answerLogin(world.scanin, UNKNOWN_RID, 'not.a.jws'), 404, 'not_found');
  });

  it('a bad assertion on an expired request gets 410, not 401', async () => {
    const login = await waitingLogin(world.scanin);
    await expire(login);
    expectError(await answerLogin(world.scanin, login.rid, 'not.a.jws'), 410, 'expired');
    const stranger = generateDeviceKey('ES256');
    expectError(await answerLogin(world.scanin, login.rid, signAssertion(stranger, deviceHeader(stranger), loginPayload(world.scanin, login))), 410, 'expired');
    await expectRequestOpen(world.scanin, login.rid, 'scanned');
    login.events.close();
  });

  it('a bad assertion on an answered request gets 409, not 401', async () => {
    const login = await waitingLogin(world.scanin);
    expect((await answerLogin(world.scanin, login.rid, loginAssertion(world.scanin, world.phone, login))).status).toBe(200);
    expectError(await answerLogin(world.scanin, login.rid, 'not.a.jws'), 409, 'already_answered');
    login.events.close();
  });

  it('a revoked device on an answered request gets 409, not 403', async () => {
    const lost = await enrollDevice(world.scanin, 'alice@example.com');
    await revokeDevice(world.scanin.services.db, lost.id, world.scanin.services.clock());
    const login = await waitingLogin(world.scanin);
    expect((await answerLogin(world.scanin, login.rid, loginAssertion(world.scanin, world.phone, login))).status).toBe(200);
    expectError(await answerLogin(world.scanin, login.rid, loginAssertion(world.scanin, lost, login)), 409, 'already_answered');
    login.events.close();
  });

  it('a revoked device with an assertion bound to another request gets 403, not 401: the device is checked before the binding', async () => {
    const lost = await enrollDevice(world.scanin, 'alice@example.com');
    await revokeDevice(world.scanin.services.db, lost.id, world.scanin.services.clock());
    const login = await waitingLogin(world.scanin);
    expectError(await answerLogin(world.scanin, login.rid, loginAssertion(world.scanin, lost, { ...login, rid: UNKNOWN_RID })), 403, 'device_revoked');
    await expectStillApprovable(world.scanin, login, world.phone);
  });

  it('an unknown kid with an assertion bound to another request gets 401 unknown_device', async () => {
    const login = await waitingLogin(world.scanin);
    const stranger = generateDeviceKey('EdDSA');
    const assertion = signAssertion(stranger, deviceHeader(stranger), loginPayload(world.scanin, { ...login, rid: UNKNOWN_RID }));
    expectError(await answerLogin(world.scanin, login.rid, assertion), 401, 'unknown_device');
    await expectStillApprovable(world.scanin, login, world.phone);
  });

  it('an invalid decision in an assertion bound to another challenge gets 401, not 400: the binding is checked first', async () => {
    const login = await waitingLogin(world.scanin);
    const assertion = loginAssertion(world.scanin, world.phone, { ...login, challenge: 'x'.repeat(43) }, { decision: 'maybe' });
    expectError(await answerLogin(world.scanin, login.rid, assertion), 401, 'invalid_assertion');
    await expectStillApprovable(world.scanin, login, world.phone);
  });
});
