// The life of a login request as the browser sees it: the live request of an interaction is
// made on demand and replaced when it expires unanswered; its state maps to the page's states.
import { newChallenge, newId } from '../ids.ts';
import { alreadyAnswered, expired } from '../protocol/errors.ts';
import type { Services } from '../services.ts';
import { insertLoginRequest, latestLoginRequest, type LoginRequest } from '../store/loginRequests.ts';
import { newMatchNumbers } from './numbers.ts';

export type BrowserContext = { uid: string; clientId: string; ip: string; userAgent: string };

export type BrowserState =
  | { status: 'pending' | 'denied' | 'expired'; number: null }
  | { status: 'scanned'; number: string | null }
  | { status: 'approved'; number: string | null; complete_url: string };

/** `basePath`: the issuer's path, under which every route lives. */
export function completeUrl(basePath: string, uid: string): string {
  return `${basePath}/interaction/${uid}/complete`;
}

/** Whether a device may still answer (or fetch) this request. Pure. */
export function checkRequestOpen(request: Pick<LoginRequest, 'status' | 'expires_at'>, now: number): void {
  if (request.status !== 'pending' && request.status !== 'scanned') throw alreadyAnswered('this login request');
  if (request.expires_at <= now) throw expired('this login request');
}

export function isReplaceable(request: LoginRequest, now: number): boolean {
  return (request.status === 'pending' || request.status === 'scanned') && request.expires_at <= now;
}

/** What the browser page should show for a request. Pure. */
export function browserState(request: LoginRequest, now: number, basePath: string): BrowserState {
  switch (request.status) {
    case 'approved':
    case 'completed':
      return { status: 'approved', number: request.match_number, complete_url: completeUrl(basePath, request.uid) };
    case 'denied':
      return { status: 'denied', number: null };
    case 'scanned':
      if (request.expires_at > now) return { status: 'scanned', number: request.match_number };
      return { status: 'expired', number: null };
    default:
      return { status: request.expires_at > now ? 'pending' : 'expired', number: null };
  }
}

/** The interaction's live request: the newest one, or a fresh one if that expired unanswered. */
export async function liveLoginRequest(services: Services, browser: BrowserContext): Promise<LoginRequest> {
  const { db, clock, config } = services;
  const now = clock();
  const latest = await latestLoginRequest(db, browser.uid);
  if (latest && !isReplaceable(latest, now)) return latest;
  return insertLoginRequest(db, {
    rid: newId(),
    uid: browser.uid,
    generation: (latest?.generation ?? 0) + 1,
    challenge: newChallenge(),
    client_id: browser.clientId,
    browser_ip: browser.ip,
    user_agent: browser.userAgent.slice(0, 512),
    ...(config.numberMatching ? newMatchNumbers() : { match_number: null, number_choices: null }),
    status: 'pending',
    device_id: null,
    account_id: null,
    created_at: now,
    expires_at: now + config.requestTtl,
    answered_at: null,
  });
}
