// The life of a login request as the browser sees it: the live request of an interaction is
// made on demand and replaced when it expires unanswered; its state maps to the page's states.
import { newChallenge, newId } from '../ids.ts';
import { alreadyAnswered, expired, signInEnded } from '../protocol/errors.ts';
import type { Services } from '../services.ts';
import { insertLoginRequest, latestLoginRequest, type LoginRequest } from '../store/loginRequests.ts';
import type { ExpectedFrom } from './expectedAccount.ts';
import { newMatchNumbers } from './numbers.ts';

export type BrowserContext = {
  uid: string;
  clientId: string;
  ip: string;
  userAgent: string;
  /** When the interaction ends (epoch seconds): no request of it may live longer. */
  signInExpiresAt: number;
  /** The account this sign-in expects, and where that came from (expectedAccount.ts). */
  expected: { accountId: string; from: ExpectedFrom } | null;
  /** The authorization request leaves no level but a verified user (acr_values, claims: oidc/authContext.ts). */
  requestRequiresUserVerification: boolean;
  /** RFC 9396 details the app asks the person to approve, as one JSON text; null for a plain sign-in. */
  authorizationDetails: string | null;
};

export type BrowserState =
  | { status: 'pending' | 'scanned' | 'denied' | 'expired' }
  | { status: 'approved'; complete_url: string };

/** `basePath`: the issuer's path, under which every route lives. */
export function completeUrl(basePath: string, uid: string): string {
  return `${basePath}/interaction/${uid}/complete`;
}

/**
 * Whether a device may still answer (or fetch) this request. Pure. An answered request is 409;
 * one whose sign-in is over (closed in the browser, or the interaction's time ran out) is 410
 * `sign_in_ended`, since no new QR code will follow; one whose own time ran out is 410 `expired`.
 */
export function checkRequestOpen(request: Pick<LoginRequest, 'status' | 'expires_at' | 'sign_in_expires_at'>, now: number): void {
  if (request.status === 'closed') throw signInEnded();
  if (request.status !== 'pending' && request.status !== 'scanned') throw alreadyAnswered('this login request');
  if (request.sign_in_expires_at !== null && request.sign_in_expires_at <= now) throw signInEnded();
  if (request.expires_at <= now) throw expired('this login request');
}

export function isReplaceable(request: LoginRequest, now: number): boolean {
  return (request.status === 'pending' || request.status === 'scanned') && request.expires_at <= now;
}

/**
 * What the browser page should show for a request. Pure. Never the number to pick: that is
 * only in the page's HTML (SECURITY.md, login relay).
 */
export function browserState(request: LoginRequest, now: number, basePath: string): BrowserState {
  switch (request.status) {
    case 'approved':
    case 'completed':
      return { status: 'approved', complete_url: completeUrl(basePath, request.uid) };
    case 'denied':
      return { status: 'denied' };
    case 'closed':
      return { status: 'expired' };
    case 'scanned':
      return { status: request.expires_at > now ? 'scanned' : 'expired' };
    default:
      return { status: request.expires_at > now ? 'pending' : 'expired' };
  }
}

/** Scanin's own clients.json fields that shape a login request (oidc/clients.ts). */
export type ClientLoginRules = { number_matching?: boolean; require_user_verification?: boolean };

export async function clientLoginRules(services: Pick<Services, 'provider'>, clientId: string): Promise<ClientLoginRules> {
  return ((await services.provider.Client.find(clientId)) as unknown as ClientLoginRules | undefined) ?? {};
}

/** NUMBER_MATCHING, unless the client opted out with `"number_matching": false`. */
function numberMatchingFor(services: Services, client: ClientLoginRules): boolean {
  return services.config.numberMatching && client.number_matching !== false;
}

/**
 * The interaction's live request: the newest one, or a fresh one if that expired unanswered.
 * `firstView`: the caller is the login page, which is usually the first to ask (the page then
 * opens its event stream): the first request is inserted at once, and only when one exists
 * already (a reload) is the newest read.
 */
export async function liveLoginRequest(services: Services, browser: BrowserContext, { firstView = false } = {}): Promise<LoginRequest> {
  const now = services.clock();
  if (firstView) return replaceIfExpired(services, browser, await insertLoginRequest(services.db, await newLoginRequest(services, browser, 1, now)), now);
  return replaceIfExpired(services, browser, await latestLoginRequest(services.db, browser.uid), now);
}

async function replaceIfExpired(services: Services, browser: BrowserContext, latest: LoginRequest | undefined, now: number): Promise<LoginRequest> {
  if (latest && !isReplaceable(latest, now)) return latest;
  return insertLoginRequest(services.db, await newLoginRequest(services, browser, (latest?.generation ?? 0) + 1, now));
}

async function newLoginRequest(services: Services, browser: BrowserContext, generation: number, now: number): Promise<LoginRequest> {
  const { config } = services;
  const client = await clientLoginRules(services, browser.clientId);
  return {
    rid: newId(),
    uid: browser.uid,
    generation,
    challenge: newChallenge(),
    client_id: browser.clientId,
    browser_ip: browser.ip,
    user_agent: browser.userAgent.slice(0, 512),
    ...(numberMatchingFor(services, client) ? newMatchNumbers() : { match_number: null, number_choices: null }),
    status: 'pending',
    device_id: null,
    account_id: null,
    created_at: now,
    // A request never outlives its sign-in: the device sees the earlier of the two ends.
    expires_at: Math.min(now + config.requestTtl, browser.signInExpiresAt),
    answered_at: null,
    sign_in_expires_at: browser.signInExpiresAt,
    expected_account_id: browser.expected?.accountId ?? null,
    expected_from: browser.expected?.from ?? null,
    wrong_number: false,
    user_verification_required: client.require_user_verification === true || browser.requestRequiresUserVerification,
    authorization_details: browser.authorizationDetails,
  };
}
