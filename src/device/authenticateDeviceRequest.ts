// Authenticating a device's own request — not an answer to a login or an enrollment, but a call
// such as the vault's — by `Authorization: Scanin <JWS>`. The JWS is signed by an enrolled
// device's key (header as for a login answer: typ, alg, kid) and its payload binds the request:
//   aud          the issuer
//   iat          within 60 s of the server's clock
//   act          the endpoint family ("vault", …): an assertion for one is refused by another
//   htm, htu     the method and the full URL, so it cannot be replayed against another endpoint
//   body_sha256  base64url SHA-256 of the exact body bytes (of nothing, for a GET)
//   jti          unique per request: a second use is refused while the iat window lasts
// Order: the address's rate limit (429) → body size (413) → header present with scheme Scanin
// (401) → the assertion as for any device: header, device known (401), not revoked (403),
// active, signature, claims → the device's rate limit (429) → jti unused. The device's limit
// comes only after its signature, so nobody can use up another device's quota with its kid.
import { createHash } from 'node:crypto';
import type { Context } from 'koa';
import { invalidAssertion, missingDeviceAuthorization } from '../protocol/errors.ts';
import { clientIp, networkOf } from '../http/ip.ts';
import { enforceRateLimit } from '../ratelimit/enforceRateLimit.ts';
import type { RateLimitRule } from '../ratelimit/rules.ts';
import type { Services } from '../services.ts';
import { recordRequestId } from '../store/deviceRequestIds.ts';
import type { Device } from '../store/devices.ts';
import { DEVICE_BODY_LIMIT, readBody } from './body.ts';
import { IAT_WINDOW_SECONDS } from './claims.ts';
import { verifyDeviceAssertion } from './verifyDeviceAssertion.ts';

export type DeviceRequestExpectation = {
  /** What the assertion must say it is for. */
  act: string;
  /** The route's path under the issuer, e.g. `/device/v1/vault`: htu is `{issuer}{path}[?query]`. */
  path: string;
  /** The rate limits counted per client address and per device, if the endpoint has its own. */
  limits?: { ip: RateLimitRule; device: RateLimitRule };
  /** The device status call (deviceStatusRoutes.ts): a device waiting for confirmation is answered too. */
  acceptPending?: boolean;
};

export type AuthenticatedDeviceRequest = { device: Device; body: Buffer; now: number };

const SCHEME = /^Scanin +(\S+)$/i;
const JTI = /^[A-Za-z0-9_-]{16,128}$/;

export function bodySha256(body: Uint8Array): string {
  return createHash('sha256').update(body).digest('base64url');
}

export async function authenticateDeviceRequest(ctx: Context, services: Services, expected: DeviceRequestExpectation): Promise<AuthenticatedDeviceRequest> {
  if (expected.limits) await enforceRateLimit(services, expected.limits.ip, networkOf(clientIp(ctx)));
  const body = await readBody(ctx, DEVICE_BODY_LIMIT);
  const authorization = ctx.get('authorization');
  if (!authorization) throw missingDeviceAuthorization('this endpoint needs "Authorization: Scanin <JWS>" signed by an enrolled device');
  const compact = SCHEME.exec(authorization)?.[1];
  if (!compact) throw missingDeviceAuthorization('the Authorization header must be "Scanin <JWS>"');

  const now = services.clock();
  const htu = `${services.issuer}${expected.path}${ctx.querystring ? `?${ctx.querystring}` : ''}`;
  const { device, payload } = await verifyDeviceAssertion(services.db, compact, {
    issuer: services.issuer,
    now,
    act: expected.act,
    bindings: { htm: ctx.method, htu, body_sha256: bodySha256(body) },
  }, { acceptPending: expected.acceptPending ?? false });
  if (expected.limits) await enforceRateLimit(services, expected.limits.device, device.id);
  const { jti, iat } = payload as { jti: unknown; iat: number };
  if (typeof jti !== 'string' || !JTI.test(jti)) throw invalidAssertion('jti must be 16 to 128 characters from A-Z a-z 0-9 - _, new for every request');
  // Kept until the assertion's iat window has passed: after that the iat check refuses it anyway.
  if (!(await recordRequestId(services.db, device.id, jti, iat + IAT_WINDOW_SECONDS))) {
    throw invalidAssertion('this jti was already used: sign a new assertion for every request');
  }
  return { device, body, now };
}
