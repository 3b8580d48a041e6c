// GET and POST /device/v1/requests/:rid — a device reads a login request and answers it.
// GET: the request exists and is open (404, 409, 410) → unsigned, the public view and nothing
// changes; signed (Authorization: Scanin, act "login"), the whole view with the proximity
// evidence, and the first signed GET marks it scanned. A passer-by who photographs the QR code
// learns which app asks and until when, and cannot make the browser say "Scanned" (SECURITY.md).
// POST is a pipeline in the protocol's order of checks: body (413, 400) → the request exists
// (404) → still open (409, 410) → assertion (401, 403) → its binding to this request, and to
// its authorization_details when it has some (401) →
// the expected account, when the sign-in expects one (403) → decision, uv, uvm (400) → user
// verification, when the app requires it (403) → one
// conditional update (exactly one concurrent answer wins) → wake the browser (a QR login) or
// hand the answer to the engine (a backchannel sign-in); an approval the app's access rules will
// refuse says so (`access: "denied"`), so the phone shows what the browser will.
import type Router from '@koa/router';
import { recordAudit } from '../audit/audit.ts';
import { finishBackchannelRequest } from '../ciba/backchannel.ts';
import { interactionTopic } from '../events/bus.ts';
import { clientIp, networkOf } from '../http/ip.ts';
import { describeApprover } from '../login/approvedBy.ts';
import { expectedAccountNow } from '../login/expectedAccount.ts';
import { checkRequestOpen, completeUrl } from '../login/loginRequests.ts';
import { proximity } from '../login/proximity.ts';
import { accountMayUse } from '../oidc/accessRules.ts';
import { accountHint } from '../protocol/accountHint.ts';
import { authorizationDetailsHash } from '../protocol/authorizationDetails.ts';
import { alreadyAnswered, invalidAssertion, invalidRequest, notFound, userVerificationRequired, wrongAccount, wrongNumber } from '../protocol/errors.ts';
import { isUserVerificationMethod, USER_VERIFICATION_METHODS, type UserVerificationMethod } from '../protocol/userVerification.ts';
import { enforceRateLimit } from '../ratelimit/enforceRateLimit.ts';
import type { Services } from '../services.ts';
import { touchDevice } from '../store/devices.ts';
import { answerLoginRequest, findLoginRequest, markScanned, type LoginRequest } from '../store/loginRequests.ts';
import { cleanText, TEXT_LIMITS } from '../text/cleanText.ts';
import { authenticateDeviceRequest } from './authenticateDeviceRequest.ts';
import { readAssertionBody } from './body.ts';
import { verifyDeviceAssertion } from './verifyDeviceAssertion.ts';

async function loadOpenRequest(services: Services, rid: string): Promise<LoginRequest> {
  const request = await findLoginRequest(services.db, rid);
  if (!request) throw notFound('this login request');
  // A request that lost the race to a fresher one, or whose time ran out, can no longer be used.
  checkRequestOpen(request, services.clock());
  return request;
}

/** What anyone holding the QR code may learn: which app asks, and until when. `expected`: expectedAccountNow. */
function publicView(services: Services, request: LoginRequest, clientName: string, expected: string | null) {
  return {
    rid: request.rid,
    act: 'login',
    issuer: services.issuer,
    client: { client_id: request.client_id, name: clientName },
    ...(request.kind === 'backchannel' ? { kind: 'backchannel' } : {}),
    expires_at: request.expires_at,
    // Before the person taps Approve the phone must know to verify them first (§7).
    ...(request.user_verification_required ? { user_verification: 'required' } : {}),
    // Before a signed read the device must know which of its keys may answer (§7, the choice rule).
    ...(expected ? { account_hint: accountHint(request.rid, expected) } : {}),
  };
}

/** The browser that shows the QR code: its address, where that is roughly (when known), and what it says it is. */
function browserView(services: Services, request: LoginRequest) {
  const place = services.places(request.browser_ip);
  return { ip: request.browser_ip, ...(place === undefined ? {} : { place }), user_agent: cleanText(request.user_agent, TEXT_LIMITS.userAgent) };
}

/** What an enrolled device reading with its signature gets: all it needs to answer. */
function deviceView(services: Services, request: LoginRequest, clientName: string, expected: string | null, deviceIp: string) {
  return {
    ...publicView(services, request, clientName, expected),
    challenge: request.challenge,
    // The phone shows how long ago the sign-in began, against the server's clock (its Date header).
    created_at: request.created_at,
    // A backchannel sign-in has no browser: what the app shows the person stands in for it.
    ...(request.kind === 'backchannel'
      ? { binding_message: request.binding_message ?? null }
      : { browser: browserView(services, request), proximity: proximity(request.browser_ip, deviceIp) }),
    ...(request.number_choices ? { number_choices: request.number_choices.split(',') } : {}),
    // What the app asks to have approved (RFC 9396), as the text the answer's adh hashes (§7).
    ...(request.authorization_details ? { authorization_details: request.authorization_details } : {}),
  };
}

/**
 * An answer to a request with authorization_details signs their hash (`adh`) beside rid and
 * chal, approve or deny: it says which transaction the person saw. An answer to a request without
 * any carries none, so no hash stands for details nobody was shown.
 */
function answerBindings(request: LoginRequest): Record<string, string> {
  const bindings: Record<string, string> = { rid: request.rid, chal: request.challenge };
  if (request.authorization_details) bindings.adh = authorizationDetailsHash(request.authorization_details);
  return bindings;
}

function parseDecision(payload: Record<string, unknown>): 'approve' | 'deny' {
  if (payload.decision === 'approve' || payload.decision === 'deny') return payload.decision;
  throw invalidRequest(`decision must be "approve" or "deny", got ${JSON.stringify(payload.decision)}`);
}

type UserVerification = { verified: boolean; method: UserVerificationMethod | null };

/**
 * `uv`: optional; true when the phone verified its user (PIN or biometrics) before signing.
 * `uvm`: optional, only with `uv: true`: how (oidc/authContext.ts).
 */
function parseUserVerification(payload: Record<string, unknown>): UserVerification {
  if (payload.uv !== undefined && typeof payload.uv !== 'boolean') throw invalidRequest(`uv must be true or false when present, got ${JSON.stringify(payload.uv)}`);
  const verified = payload.uv === true;
  if (payload.uvm === undefined) return { verified, method: null };
  if (!verified) throw invalidRequest(`uvm says how the phone verified its user, so it comes only with "uv": true; got uvm ${JSON.stringify(payload.uvm)} and uv ${JSON.stringify(payload.uv ?? null)}`);
  if (!isUserVerificationMethod(payload.uvm)) {
    throw invalidRequest(`uvm must be one of ${Object.keys(USER_VERIFICATION_METHODS).map((m) => `"${m}"`).join(', ')}, got ${JSON.stringify(payload.uvm)}`);
  }
  return { verified, method: payload.uvm };
}

export function mountLoginRequestRoutes(router: Router, services: Services): void {
  const { db, clock, bus, provider } = services;

  router.get('/device/v1/requests/:rid', async (ctx) => {
    await enforceRateLimit(services, 'request_read_ip', networkOf(clientIp(ctx)));
    const request = await loadOpenRequest(services, ctx.params.rid!);
    const client = await provider.Client.find(request.client_id);
    const clientName = cleanText(client?.clientName ?? request.client_id, TEXT_LIMITS.clientName);
    const expected = await expectedAccountNow(db, request);
    if (!ctx.get('authorization')) {
      ctx.body = publicView(services, request, clientName, expected);
      return;
    }
    await authenticateDeviceRequest(ctx, services, { act: 'login', path: ctx.path });
    // Only a real GET is a scan: a HEAD (a link checker, a prefetch) tells the browser nothing.
    if (ctx.method === 'GET' && (await markScanned(db, request.rid, clock()))) {
      await bus.publish(interactionTopic(request.uid), { type: 'scanned', data: {} });
    }
    ctx.body = deviceView(services, request, clientName, expected, clientIp(ctx));
  });

  router.post('/device/v1/requests/:rid', async (ctx) => {
    await enforceRateLimit(services, 'request_answer_ip', networkOf(clientIp(ctx)));
    const assertion = await readAssertionBody(ctx);
    const request = await loadOpenRequest(services, ctx.params.rid!);
    const now = clock();
    const { device, account, payload } = await verifyDeviceAssertion(db, assertion, {
      issuer: services.issuer,
      now,
      act: 'login',
      bindings: answerBindings(request),
    });
    if (!request.authorization_details && payload.adh !== undefined) throw invalidAssertion('adh covers authorization_details, and this login request has none');
    await enforceRateLimit(services, 'request_answer_account', device.account_id);
    // The sign-in expects an account (login_hint, or the browser's own: login/expectedAccount.ts):
    // another account's device may not answer it, neither to sign the browser in as someone else
    // nor to deny the person it is for.
    const expected = await expectedAccountNow(db, request);
    if (expected !== null && device.account_id !== expected) throw wrongAccount();
    const decision = parseDecision(payload);
    const verification = parseUserVerification(payload);
    // Denying needs no verification: it only takes away. The request stays open for a verified answer.
    if (decision === 'approve' && request.user_verification_required && !verification.verified) throw userVerificationRequired();
    const numberIsWrong = decision === 'approve' && request.match_number !== null && payload.num !== request.match_number;
    const status = decision === 'approve' && !numberIsWrong ? 'approved' : 'denied';

    const won = await answerLoginRequest(
      db,
      request.rid,
      { status, device_id: device.id, account_id: status === 'approved' ? device.account_id : null, user_verified: verification.verified, uv_method: verification.method, wrong_number: numberIsWrong },
      now,
    );
    const approvedAt = Date.now();
    if (!won) {
      // Another answer won the race, or time ran out between the read and the write.
      checkRequestOpen((await findLoginRequest(db, request.rid))!, clock());
      throw alreadyAnswered('this login request');
    }
    await touchDevice(db, device.id, now, clientIp(ctx));
    await recordAudit(services, {
      event: numberIsWrong ? 'login.wrong_number' : `login.${status}`,
      account_id: device.account_id,
      device_id: device.id,
      ip: clientIp(ctx),
      client_id: request.client_id,
      detail: request.kind === 'backchannel' ? { rid: request.rid, kind: 'backchannel' } : { rid: request.rid, browser_ip: request.browser_ip },
    });
    if (request.kind === 'backchannel') {
      await finishBackchannelRequest(services, request, { approved: status === 'approved', accountId: device.account_id, verification, at: now });
    } else {
      await bus.publish(
        interactionTopic(request.uid),
        status === 'approved'
          ? { type: 'approved', data: { complete_url: completeUrl(services.basePath, request.uid), account: describeApprover(account) }, at: approvedAt }
          : { type: 'denied', data: {} },
      );
    }
    if (numberIsWrong) throw wrongNumber();
    const refused = status === 'approved' && !(await accountMayUse(db, now, await provider.Client.find(request.client_id), device.account_id));
    ctx.body = refused ? { status, access: 'denied' } : { status };
  });
}
