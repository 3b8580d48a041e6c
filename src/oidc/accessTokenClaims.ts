// Groups and roles in the access tokens of an API (RFC 9068 §2.2.3.1 names `groups` and `roles`).
// An API asks for them by accepting the `groups` scope (its clients.json `scope`): a token for it
// whose scope includes `groups` carries the person's groups and the roles of the API's own
// clients.json `roles`, since the API, not the app calling it, decides what a role lets one do.
import type { ClientMetadata, KoaContextWithOIDC } from 'oidc-provider';
import type { Clock } from '../clock.ts';
import type { Db } from '../store/db.ts';
import { groupsInRequest, rolesOf, type RoleMap } from './accessRules.ts';

type IssuedToken = { kind?: string; accountId?: string; scope?: string; resourceServer?: { audience?: unknown } };

/** The engine's `extraTokenClaims`. */
export function accessTokenClaims(db: Db, clock: Clock, clients: ClientMetadata[]) {
  const apiRoles = new Map(clients.filter((client) => typeof client.resource_server === 'string').map((client) => [client.resource_server as string, client.roles as RoleMap | undefined]));
  return async (ctx: KoaContextWithOIDC, token: IssuedToken) => {
    const audience = token.resourceServer?.audience;
    if (token.kind !== 'AccessToken' || !token.accountId || typeof audience !== 'string' || !token.scope?.split(' ').includes('groups')) return undefined;
    const groups = await groupsInRequest(db, clock, ctx, token.accountId);
    return { groups, roles: rolesOf(apiRoles.get(audience), groups) };
  };
}
