// A stand-in for the Scanin device API, small enough to read in one go: it checks the paths and
// bodies the authenticator sends and verifies every assertion with node:crypto, as the server
// would. The real server's end-to-end tests live elsewhere.
import { randomBytes, type JsonWebKey } from 'node:crypto';
import { calculateJwkThumbprint } from 'jose';
import { decodeJws, verifiesWithNodeCrypto } from './node-jws.ts';

export const ISSUER = 'https://id.example.com/tenant';

type Enrollment = { eid: string; kind: string; challenge: string; account: { email: string; name: string }; answered: boolean };
type LoginRequest = {
  rid: string;
  challenge: string;
  number_choices?: string[];
  number?: string;
  noAccess?: boolean;
  status: 'pending' | 'approved' | 'denied';
};
export type Call = { method: string; url: string; body: unknown };

class ApiError extends Error {
  constructor(readonly status: number, readonly code: string, message: string) {
    super(message);
  }
}

const id = () => randomBytes(16).toString('base64url');

export class FakeDeviceApi {
  readonly calls: Call[] = [];
  readonly enrollments = new Map<string, Enrollment>();
  readonly requests = new Map<string, LoginRequest>();
  /** device_id → public JWK, as the server would keep them. */
  readonly devices = new Map<string, JsonWebKey>();
  /** The assertions posted, decoded, for tests to inspect. */
  readonly assertions: { header: Record<string, unknown>; payload: Record<string, unknown> }[] = [];
  /** What the GET answers carry as issuer; a test changes it to play a confused server. */
  issuerInAnswers = ISSUER;

  addEnrollment(kind = 'invite'): string {
    const eid = id();
    this.enrollments.set(eid, { eid, kind, challenge: id(), account: { email: 'ann@example.com', name: 'Ann Example' }, answered: false });
    return `${ISSUER}/e/${eid}`;
  }

  /** `noAccess`: the app's access rules keep the device's account out (§7, `access`). */
  addLoginRequest(options: { numberMatching?: boolean; noAccess?: boolean } = {}): { url: string; request: LoginRequest } {
    const request: LoginRequest = { rid: id(), challenge: id(), status: 'pending' };
    if (options.numberMatching) Object.assign(request, { number_choices: ['17', '42', '86'], number: '42' });
    if (options.noAccess) request.noAccess = true;
    this.requests.set(request.rid, request);
    return { url: `${ISSUER}/q/${request.rid}`, request };
  }

  readonly fetch = (async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const url = String(input);
    const method = init?.method ?? 'GET';
    const body = init?.body === undefined ? undefined : JSON.parse(String(init.body));
    this.calls.push({ method, url, body });
    try {
      if (method === 'POST' && new Headers(init?.headers).get('content-type') !== 'application/json') {
        throw new ApiError(400, 'invalid_request', 'expected a JSON body');
      }
      return await this.route(method, url, body);
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      return Response.json({ error: error.code, error_description: error.message }, { status: error.status });
    }
  }) as typeof fetch;

  private async route(method: string, url: string, body: unknown): Promise<Response> {
    const match = /^(.*)\/device\/v1\/(enrollments|requests)\/([^/]+)$/.exec(url);
    if (!match || match[1] !== ISSUER) throw new ApiError(404, 'not_found', `no route ${url}`);
    const [, , collection, itemId] = match as unknown as [string, string, string, string];
    if (collection === 'enrollments') {
      const enrollment = this.enrollments.get(itemId);
      if (!enrollment) throw new ApiError(404, 'not_found', 'no such enrollment');
      if (enrollment.answered) throw new ApiError(409, 'already_answered', 'enrollment already answered');
      if (method === 'GET') {
        const { eid, kind, challenge, account } = enrollment;
        return Response.json({ eid, act: 'enroll', kind, challenge, issuer: this.issuerInAnswers, account, expires_at: nowSeconds() + 600 });
      }
      return this.enroll(enrollment, body);
    }
    const request = this.requests.get(itemId);
    if (!request) throw new ApiError(404, 'not_found', 'no such request');
    if (request.status !== 'pending') throw new ApiError(409, 'already_answered', 'request already answered');
    if (method === 'GET') {
      return Response.json({
        rid: request.rid,
        act: 'login',
        challenge: request.challenge,
        issuer: this.issuerInAnswers,
        client: { client_id: 'demo-rp', name: 'Demo RP' },
        browser: { ip: '203.0.113.7', place: 'Germany', user_agent: 'Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0' },
        created_at: nowSeconds() - 4,
        expires_at: nowSeconds() + 60,
        ...(request.number_choices && { number_choices: request.number_choices }),
      });
    }
    return this.answer(request, body);
  }

  private async enroll(enrollment: Enrollment, body: unknown): Promise<Response> {
    const { header, payload } = this.checkAssertion(body, (header) => header.jwk as JsonWebKey);
    expectField(payload, 'act', 'enroll');
    expectField(payload, 'eid', enrollment.eid);
    expectField(payload, 'chal', enrollment.challenge);
    if (typeof payload.device_name !== 'string') throw new ApiError(400, 'invalid_request', 'device_name missing');
    const jwk = header.jwk as JsonWebKey;
    // jose, not src/protocol/jwk.ts: the device_id comes from an independent implementation.
    const deviceId = await calculateJwkThumbprint(jwk as Parameters<typeof calculateJwkThumbprint>[0], 'sha256');
    this.devices.set(deviceId, jwk);
    enrollment.answered = true;
    const status = enrollment.kind === 'add_device' ? 'pending_confirmation' : 'active';
    return Response.json({ device_id: deviceId, sub: 'user-1', status, device_name: payload.device_name.trim() }, { status: 201 });
  }

  private answer(request: LoginRequest, body: unknown): Response {
    const { payload } = this.checkAssertion(body, (header) => {
      const jwk = this.devices.get(String(header.kid));
      if (!jwk) throw new ApiError(401, 'unknown_device', `unknown kid ${String(header.kid)}`);
      return jwk;
    });
    expectField(payload, 'act', 'login');
    expectField(payload, 'rid', request.rid);
    expectField(payload, 'chal', request.challenge);
    if (payload.decision !== 'approve' && payload.decision !== 'deny') throw new ApiError(400, 'invalid_request', 'bad decision');
    if (payload.num !== undefined && !request.number_choices) throw new ApiError(400, 'invalid_request', 'num without number matching');
    if (payload.decision === 'approve' && request.number !== undefined && payload.num !== request.number) {
      request.status = 'denied';
      throw new ApiError(400, 'wrong_number', 'that is not the number the browser shows');
    }
    request.status = payload.decision === 'approve' ? 'approved' : 'denied';
    return Response.json(request.status === 'approved' && request.noAccess ? { status: request.status, access: 'denied' } : { status: request.status });
  }

  private checkAssertion(body: unknown, keyFor: (header: Record<string, unknown>) => JsonWebKey) {
    const assertion = (body as { assertion?: unknown } | undefined)?.assertion;
    if (typeof assertion !== 'string') throw new ApiError(400, 'invalid_request', 'expected {"assertion": "<JWS>"}');
    const { header, payload } = decodeJws(assertion);
    this.assertions.push({ header, payload });
    if (header.typ !== 'scanin+jwt') throw new ApiError(401, 'invalid_assertion', 'bad typ');
    const jwk = keyFor(header);
    const expectedAlg = jwk.kty === 'EC' ? 'ES256' : 'EdDSA';
    if (header.alg !== expectedAlg) throw new ApiError(401, 'invalid_assertion', `expected alg ${expectedAlg}`);
    if (!verifiesWithNodeCrypto(assertion, jwk)) throw new ApiError(401, 'invalid_assertion', 'bad signature');
    if (payload.aud !== ISSUER) throw new ApiError(401, 'invalid_assertion', 'bad aud');
    if (typeof payload.iat !== 'number' || Math.abs(payload.iat - nowSeconds()) > 60) {
      throw new ApiError(401, 'invalid_assertion', 'iat is more than 60 s from the server clock');
    }
    return { header, payload };
  }
}

function expectField(payload: Record<string, unknown>, field: string, expected: string): void {
  if (payload[field] !== expected) throw new ApiError(401, 'invalid_assertion', `${field} does not match`);
}

function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}
