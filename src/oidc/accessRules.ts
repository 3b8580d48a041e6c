// Per-app access rules: a client in clients.json with `allowed_groups` lets in only the people in
// one of those groups (a subgroup's members count as the parent's, expired memberships do not).
// Checked where each kind of sign-in asks for a token: the login prompt (loginPolicy.ts), after a
// phone approved or when a browser's session would be reused, shows the person a refusal page and
// the app gets access_denied; the token endpoint and userinfo refuse the tokens of someone who
// left the group since (account.ts); a back-channel request (CIBA) is refused as it is made.
import type { KoaContextWithOIDC } from 'oidc-provider';
import type { Clock } from '../clock.ts';
import type { Db } from '../store/db.ts';
import { groupsOf } from '../store/groups.ts';

/**
 * The groups a request's account is in, read once per request (claims, the access check and an
 * API's access token all ask), or with the code or token the request redeems (oidc/adapter.ts).
 */
const readInRequest = new WeakMap<object, Map<string, Promise<string[]>>>();

function readsOf(request: object): Map<string, Promise<string[]>> {
  const read = readInRequest.get(request) ?? new Map<string, Promise<string[]>>();
  readInRequest.set(request, read);
  return read;
}

export function groupsInRequest(db: Db, clock: Clock, ctx: object, accountId: string): Promise<string[]> {
  const read = readsOf(ctx);
  let groups = read.get(accountId);
  if (!groups) read.set(accountId, (groups = groupsOf(db, accountId, clock())));
  return groups;
}

/** Groups read in the same statement as what `request` redeems: as fresh as a read of their own. */
export function rememberGroupsRead(request: object, accountId: string, groups: string[]): void {
  readsOf(request).set(accountId, Promise.resolve(groups));
}

/** A client's `roles`: role name → the groups that give it (oidc/clients.ts, oidc/clientFields.ts). */
export type RoleMap = Record<string, string[]>;

/** What a role may be called: a claim value an RP matches on, so no spaces or commas. */
export const ROLE_NAME = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/;

/** The roles `groups` give under `map`, sorted. */
export function rolesOf(map: RoleMap | undefined, groups: string[]): string[] {
  return Object.keys(map ?? {}).filter((role) => map![role]!.some((group) => groups.includes(group))).sort();
}

/** clients.json `allowed_groups`, or null: the client lets in anyone with an account. */
export function allowedGroupsOf(client: unknown): string[] | null {
  const groups = (client as { allowed_groups?: unknown } | undefined)?.allowed_groups;
  return Array.isArray(groups) ? (groups as string[]) : null;
}

const inAllowedGroup = (allowed: string[], groups: string[]) => allowed.some((group) => groups.includes(group));

/** Whether `accountId` may use the request's client; no statement for a client without rules. */
export async function mayUseClient(db: Db, clock: Clock, ctx: KoaContextWithOIDC, accountId: string): Promise<boolean> {
  const allowed = allowedGroupsOf(ctx.oidc.client);
  return !allowed || inAllowedGroup(allowed, await groupsInRequest(db, clock, ctx, accountId));
}

/**
 * The same outside the engine's requests, for a phone's answer to tell the phone what the browser
 * will show (device/loginRequestRoutes.ts); the login prompt still decides, as before.
 */
export async function accountMayUse(db: Db, now: number, client: unknown, accountId: string): Promise<boolean> {
  const allowed = allowedGroupsOf(client);
  return !allowed || inAllowedGroup(allowed, await groupsOf(db, accountId, now));
}

/** The engine's reason for the login prompt when the session's account may not use the client. */
export const ACCESS_REFUSED = 'access_refused';
