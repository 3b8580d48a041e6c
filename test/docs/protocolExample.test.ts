// docs/protocol.md's worked example, checked with the server's own code: the keys, device_ids,
// assertions and HTTP bodies printed there must verify exactly as the device API would verify
// them, so the document can never drift from the code. Each block is read from the fenced code
// block right after its `<!-- example: NAME -->` marker.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { p256 } from '@noble/curves/nist.js';
import { describe, expect, it } from 'vitest';
import { deviceHeader, signAssertion } from '../../src/authenticator/assertion.ts';
import { importDeviceKey } from '../../src/authenticator/keys.ts';
import { authorizationDetailsText } from '../../src/oidc/richAuthorization.ts';
import { authorizationDetailsHash, descriptionProblem } from '../../src/protocol/authorizationDetails.ts';
import { DEVICE_BODY_LIMIT } from '../../src/device/body.ts';
import { checkClaims, IAT_WINDOW_SECONDS } from '../../src/device/claims.ts';
import { parseDeviceName } from '../../src/device/deviceName.ts';
import { checkDeviceHeader, checkEnrollmentHeader, decodeAssertion } from '../../src/device/jws.ts';
import { verifySignature } from '../../src/device/signature.ts';
import { accountHint } from '../../src/protocol/accountHint.ts';
import { ProtocolError } from '../../src/protocol/errors.ts';
import { jwkThumbprint, parseDevicePublicJwk, type DevicePublicJwk } from '../../src/protocol/jwk.ts';
import { parseScaninUrl } from '../../src/protocol/urls.ts';
import { describePlace } from '../../src/geo/describePlace.ts';
import { LOCAL_PLACE } from '../../src/geo/placeLookup.ts';
import { describeApprover } from '../../src/login/approvedBy.ts';
import { completeUrl } from '../../src/login/loginRequests.ts';
import { TEXT_LIMITS } from '../../src/text/cleanText.ts';

const DOC = readFileSync(new URL('../../docs/protocol.md', import.meta.url), 'utf8');
const ISSUER = 'https://id.example.com';

const blocks = new Map<string, string>();
for (const match of DOC.matchAll(/<!-- example: ([\w-]+) -->\r?\n```[\w-]*\r?\n([\s\S]*?)\r?\n```/g)) {
  if (blocks.has(match[1]!)) throw new Error(`docs/protocol.md marks two blocks "${match[1]}"`);
  blocks.set(match[1]!, match[2]!);
}

function block(name: string): string {
  const text = blocks.get(name);
  if (text === undefined) throw new Error(`docs/protocol.md has no block marked <!-- example: ${name} -->`);
  return text;
}

function jsonBlock(name: string): Record<string, unknown> {
  return JSON.parse(block(name)) as Record<string, unknown>;
}

/** An HTTP message block: its start line, headers (lower-cased names) and JSON body. */
function httpBlock(name: string): { startLine: string; headers: Record<string, string>; body: Record<string, unknown> | undefined } {
  const [head, body] = block(name).split(/\r?\n\r?\n/, 2) as [string, string | undefined];
  const [startLine, ...headerLines] = head.split(/\r?\n/);
  const headers = Object.fromEntries(headerLines.map((line) => {
    const colon = line.indexOf(':');
    return [line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim()];
  }));
  return { startLine: startLine!, headers, body: body === undefined ? undefined : (JSON.parse(body) as Record<string, unknown>) };
}

function publicJwk(name: string): DevicePublicJwk {
  const jwk = parseDevicePublicJwk(jsonBlock(name));
  if (typeof jwk === 'string') throw new Error(`${name}: ${jwk}`);
  return jwk;
}

function protocolError(run: () => void): ProtocolError {
  try {
    run();
  } catch (error) {
    if (error instanceof ProtocolError) return error;
    throw error;
  }
  throw new Error('expected a ProtocolError, nothing was thrown');
}

/** ECDSA r||s → DER SEQUENCE { INTEGER r, INTEGER s }, the form the server must refuse. */
function toDer(signature: Buffer): Buffer {
  const integer = (bytes: Buffer) => {
    let start = 0;
    while (start < bytes.length - 1 && bytes[start] === 0) start++;
    const trimmed = bytes.subarray(start);
    const value = trimmed[0]! & 0x80 ? Buffer.concat([Buffer.from([0]), trimmed]) : trimmed;
    return Buffer.concat([Buffer.from([0x02, value.length]), value]);
  };
  const body = Buffer.concat([integer(signature.subarray(0, 32)), integer(signature.subarray(32))]);
  return Buffer.concat([Buffer.from([0x30, body.length]), body]);
}

describe('docs/protocol.md worked example: the device keys', () => {
  it('the P-256 public JWK is an accepted shape and is the public half of the private JWK', () => {
    const jwk = publicJwk('es256-public-jwk');
    expect(jwk).toEqual(jsonBlock('es256-public-jwk'));
    const { d, ...publicPart } = jsonBlock('es256-private-jwk');
    expect(publicPart).toEqual(jwk);
    expect(parseDevicePublicJwk(jsonBlock('es256-private-jwk'))).toBe('jwk must not contain a private key');
    const key = importDeviceKey('ES256', Buffer.from(d as string, 'base64url'));
    expect(key.publicJwk).toEqual(jwk);
  });

  it('the P-256 device_id is the RFC 7638 thumbprint of the printed canonical JSON', () => {
    const jwk = publicJwk('es256-public-jwk');
    const input = block('es256-thumbprint-input');
    expect(createHash('sha256').update(input, 'utf8').digest('base64url')).toBe(block('es256-device-id'));
    expect(jwkThumbprint(jwk)).toBe(block('es256-device-id'));
  });

  it('the Ed25519 device_id is the RFC 7638 thumbprint of the printed canonical JSON', () => {
    const jwk = publicJwk('ed25519-public-jwk');
    expect(jwk).toEqual(jsonBlock('ed25519-public-jwk'));
    expect(createHash('sha256').update(block('ed25519-thumbprint-input'), 'utf8').digest('base64url')).toBe(block('ed25519-device-id'));
    expect(jwkThumbprint(jwk)).toBe(block('ed25519-device-id'));
  });
});

describe('docs/protocol.md worked example: enrollment', () => {
  const getRequest = httpBlock('enroll-get-request');
  const getResponse = httpBlock('enroll-get-response');
  const jws = block('enroll-jws');
  const decoded = decodeAssertion(jws);

  it('the scanned URL gives the issuer and the eid the GET uses', () => {
    const eid = getResponse.body!.eid as string;
    expect(parseScaninUrl(`${ISSUER}/e/${eid}`)).toEqual({ issuer: ISSUER, kind: 'enroll', id: eid });
    expect(getRequest.startLine).toBe(`GET /device/v1/enrollments/${eid} HTTP/1.1`);
    expect(getResponse.body).toMatchObject({ act: 'enroll', issuer: ISSUER });
  });

  it('the JWS is the printed header and payload, base64url-encoded, and the printed signature', () => {
    const [header, payload, signature] = jws.split('.');
    expect(header).toBe(block('enroll-header-b64'));
    expect(payload).toBe(block('enroll-payload-b64'));
    expect(signature).toBe(block('enroll-signature'));
    expect(Buffer.from(header!, 'base64url').toString('utf8')).toBe(block('enroll-header'));
    expect(Buffer.from(payload!, 'base64url').toString('utf8')).toBe(block('enroll-payload'));
    expect(decoded.signingInput.toString('ascii')).toBe(block('enroll-signing-input'));
    expect(decoded.signature).toHaveLength(64);
  });

  it("passes the server's enrollment checks: header, signature, claims bound to the GET's eid and challenge", () => {
    const { alg, jwk } = checkEnrollmentHeader(decoded.header);
    expect(alg).toBe('ES256');
    expect(jwk).toEqual(publicJwk('es256-public-jwk'));
    verifySignature(alg, jwk, decoded.signingInput, decoded.signature);
    checkClaims(decoded.payload, {
      issuer: ISSUER,
      now: decoded.payload.iat as number,
      act: 'enroll',
      bindings: { eid: getResponse.body!.eid as string, chal: getResponse.body!.challenge as string },
    });
    expect(typeof decoded.payload.device_name).toBe('string');
  });

  it('the POST sends this JWS and is answered with the device_id computed from the key', () => {
    const post = httpBlock('enroll-post-request');
    expect(post.startLine).toBe(`POST /device/v1/enrollments/${getResponse.body!.eid as string} HTTP/1.1`);
    expect(post.headers['content-type']).toBe('application/json');
    expect(post.body).toEqual({ assertion: jws });
    const answer = httpBlock('enroll-post-response');
    expect(answer.startLine).toBe('HTTP/1.1 201 Created');
    expect(answer.body).toMatchObject({ device_id: block('es256-device-id'), status: 'active' });
    // The name as the server stores it: the signed one, trimmed and checked.
    expect(answer.body!.device_name).toBe(parseDeviceName(decoded.payload.device_name));
    expect(jwkThumbprint(checkEnrollmentHeader(decoded.header).jwk)).toBe(answer.body!.device_id);
  });
});

describe('docs/protocol.md worked example: login with number matching', () => {
  const getResponse = httpBlock('login-get-response');
  const jws = block('login-jws');
  const decoded = decodeAssertion(jws);
  const jwk = publicJwk('es256-public-jwk');

  it('the read is signed as §15 says: the printed payload, bound to GET, the URL and an empty body, by the device key', () => {
    const request = httpBlock('login-get-request');
    const read = decodeAssertion(request.headers.authorization!.replace(/^Scanin /, ''));
    expect(read.payload).toEqual(jsonBlock('login-read-payload'));
    const { alg, kid } = checkDeviceHeader(read.header);
    expect(kid).toBe(block('es256-device-id'));
    verifySignature(alg, jwk, read.signingInput, read.signature);
    const url = `${ISSUER}${request.startLine.split(' ')[1]!}`;
    checkClaims(read.payload, {
      issuer: ISSUER,
      now: read.payload.iat as number,
      act: 'login',
      bindings: { htm: 'GET', htu: url, body_sha256: createHash('sha256').update('').digest('base64url') },
    });
    expect(getResponse.body!.proximity).toEqual({ browser_ip: '203.0.113.7', device_ip: '198.51.100.23', same_network: false });
  });

  it("the browser's place is a line the server makes from a country record, and the document names the local one as the code does", () => {
    const browser = getResponse.body!.browser as Record<string, unknown>;
    expect(Object.keys(browser).sort()).toEqual(['ip', 'place', 'user_agent']);
    expect(browser.place).toBe(describePlace({ country_code: 'DE' }));
    expect(DOC).toContain(`\`"${LOCAL_PLACE}"\` for a loopback, private`);
    expect(TEXT_LIMITS.place).toBe(100);
    expect(DOC).toContain('English, at most 100 characters');
  });

  it('created_at, the Date header and expires_at agree with the story: made 6 s before the read, good for REQUEST_TTL', () => {
    const read = decodeAssertion(httpBlock('login-get-request').headers.authorization!.replace(/^Scanin /, ''));
    const serverNow = Date.parse(getResponse.headers.date!) / 1000;
    const createdAt = getResponse.body!.created_at as number;
    expect(serverNow).toBe(read.payload.iat);
    expect(serverNow - createdAt).toBe(6);
    expect(DOC).toContain('requested 6 s ago');
    expect(DOC).toContain(`At ${createdAt} the page shows the QR`);
    expect(getResponse.body!.expires_at).toBe(createdAt + 60);
  });

  it('the JWS is the printed header and payload, base64url-encoded, and the printed signature', () => {
    const [header, payload, signature] = jws.split('.');
    expect(header).toBe(block('login-header-b64'));
    expect(payload).toBe(block('login-payload-b64'));
    expect(signature).toBe(block('login-signature'));
    expect(Buffer.from(header!, 'base64url').toString('utf8')).toBe(block('login-header'));
    expect(Buffer.from(payload!, 'base64url').toString('utf8')).toBe(block('login-payload'));
    expect(decoded.signingInput.toString('ascii')).toBe(block('login-signing-input'));
  });

  it("passes the server's checks: kid is the device_id, signature, claims bound to the GET's rid and challenge", () => {
    const { alg, kid } = checkDeviceHeader(decoded.header);
    expect(kid).toBe(block('es256-device-id'));
    verifySignature(alg, jwk, decoded.signingInput, decoded.signature);
    checkClaims(decoded.payload, {
      issuer: ISSUER,
      now: decoded.payload.iat as number,
      act: 'login',
      bindings: { rid: getResponse.body!.rid as string, chal: getResponse.body!.challenge as string },
    });
    expect(decoded.payload.decision).toBe('approve');
  });

  it('num is a string, one of the number_choices the GET offered', () => {
    const choices = getResponse.body!.number_choices as string[];
    expect(choices).toHaveLength(3);
    expect(typeof decoded.payload.num).toBe('string');
    expect(choices).toContain(decoded.payload.num);
  });

  it('the POST sends this JWS and is answered approved', () => {
    const post = httpBlock('login-post-request');
    expect(post.startLine).toBe(`POST /device/v1/requests/${getResponse.body!.rid as string} HTTP/1.1`);
    expect(post.body).toEqual({ assertion: jws });
    expect(httpBlock('login-post-response').body).toEqual({ status: 'approved' });
  });

  it("the browser's approved event names the complete URL and the account, as the server writes them", () => {
    const [eventLine, dataLine] = block('login-approved-event').split('\n');
    expect(eventLine).toBe('event: approved');
    const data = JSON.parse(dataLine!.replace(/^data: /, '')) as { complete_url: string; account: string };
    const uid = /^\/interaction\/([\w-]+)\/complete$/.exec(data.complete_url)![1]!;
    const enrollment = httpBlock('enroll-get-response').body as { account: { name: string; email: string } };
    expect(data).toEqual({ complete_url: completeUrl('', uid), account: describeApprover(enrollment.account) });
  });

  it('the high-S twin of the signature verifies too, as the document says', () => {
    const n = p256.Point.CURVE().n;
    const s = BigInt(`0x${decoded.signature.subarray(32).toString('hex')}`);
    const twin = Buffer.concat([decoded.signature.subarray(0, 32), Buffer.from((n - s).toString(16).padStart(64, '0'), 'hex')]);
    expect(twin.equals(decoded.signature)).toBe(false);
    verifySignature('ES256', jwk, decoded.signingInput, twin);
  });

  it('the same signature in DER form is refused, as the document says', () => {
    const error = protocolError(() => verifySignature('ES256', jwk, decoded.signingInput, toDer(decoded.signature)));
    expect(error.code).toBe('invalid_assertion');
  });

  it('a changed payload, or an iat 61 s away, is refused: the checks above are real', () => {
    const tampered = Buffer.from(decoded.signingInput.toString('ascii').replace(/.$/, (c) => (c === 'A' ? 'B' : 'A')), 'ascii');
    expect(protocolError(() => verifySignature('ES256', jwk, tampered, decoded.signature)).status).toBe(401);
    const expected = { issuer: ISSUER, now: (decoded.payload.iat as number) + 61, act: 'login' as const, bindings: {} };
    expect(protocolError(() => checkClaims(decoded.payload, expected)).code).toBe('clock_skew');
  });
});

describe('docs/protocol.md worked example: Ed25519 denial', () => {
  it("passes the server's checks, and its payload is the printed one", () => {
    const decoded = decodeAssertion(block('ed25519-login-jws'));
    expect(decoded.payload).toEqual(jsonBlock('ed25519-login-payload'));
    const { alg, kid } = checkDeviceHeader(decoded.header);
    expect(alg).toBe('EdDSA');
    expect(kid).toBe(block('ed25519-device-id'));
    verifySignature(alg, publicJwk('ed25519-public-jwk'), decoded.signingInput, decoded.signature);
    checkClaims(decoded.payload, {
      issuer: ISSUER,
      now: decoded.payload.iat as number,
      act: 'login',
      bindings: { rid: decoded.payload.rid as string, chal: decoded.payload.chal as string },
    });
    expect(decoded.payload.decision).toBe('deny');
    expect(decoded.payload).not.toHaveProperty('num');
  });
});

describe('docs/protocol.md worked example: account_hint', () => {
  it("is the server's hint for the example's rid and sub", () => {
    const rid = httpBlock('login-get-response').body!.rid as string;
    const sub = httpBlock('enroll-post-response').body!.sub as string;
    expect(DOC).toContain(`ASCII text \`${rid}.${sub}\``);
    expect(block('account-hint')).toBe(accountHint(rid, sub));
  });
});

describe('docs/protocol.md states the fixed limits the code enforces', () => {
  it('the body limit is 65536 bytes and the iat window 60 s', () => {
    expect(DEVICE_BODY_LIMIT).toBe(65536);
    expect(DOC).toContain('65536 bytes (64 KiB)');
    expect(IAT_WINDOW_SECONDS).toBe(60);
    expect(DOC).toContain('Within **60 s** of the server');
  });
});

describe('docs/protocol.md worked example: transaction approval', () => {
  const text = () => block('txn-authorization-details');

  it('adh is SHA-256 of the printed text, byte for byte, and the text is what Scanin sends for the shop\'s details', () => {
    expect(Buffer.byteLength(text(), 'utf8')).toBe(Number(/over those\s+(\d+) bytes/.exec(DOC)![1]));
    expect(authorizationDetailsHash(text())).toBe(block('txn-adh'));
    expect(authorizationDetailsText(text())).toBe(text());
    const details = JSON.parse(text()) as Array<{ description: unknown }>;
    for (const detail of details) expect(descriptionProblem(detail.description)).toBeNull();
  });

  it("the approval passes the server's checks with its adh binding, and signing the printed payload with the §13.4 seed gives exactly the printed JWS", () => {
    const jws = block('txn-login-jws');
    const decoded = decodeAssertion(jws);
    expect(decoded.payload).toEqual(jsonBlock('txn-login-payload'));
    const { alg } = checkDeviceHeader(decoded.header);
    verifySignature(alg, publicJwk('ed25519-public-jwk'), decoded.signingInput, decoded.signature);
    const bindings = { rid: decoded.payload.rid as string, chal: decoded.payload.chal as string, adh: block('txn-adh') };
    checkClaims(decoded.payload, { issuer: ISSUER, now: decoded.payload.iat as number, act: 'login', bindings });
    const seed = /32-byte private seed[\s\S]*?base64url\s+`([\w-]+)`/.exec(DOC)![1]!;
    const key = importDeviceKey('EdDSA', Buffer.from(seed, 'base64url'));
    expect(signAssertion(key, deviceHeader(key), jsonBlock('txn-login-payload'))).toBe(jws);
  });
});
