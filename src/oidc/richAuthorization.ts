// Transaction approval through the engine (RFC 9396 Rich Authorization Requests, RFC 8707
// resource indicators). An app names in clients.json the `authorization_details_types` it may
// send; each detail needs a `description` the phone shows (protocol/authorizationDetails.ts).
// The details reach the code, and from it the access token (a JWT for the API named by
// `resource`) and introspection, only when this very sign-in's phone answer covered them: the
// login result carries the hash the phone signed (login/interactionRoutes.ts), checked here
// against the request's own details, so no older session, sign-up or recovery can stand in.
// An API that receives such tokens is a client of its own in clients.json with
// `resource_server`: its address, which is the tokens' `aud`.
import { errors, type ClientMetadata, type KoaContextWithOIDC } from 'oidc-provider';
import { authorizationDetailsHash, descriptionProblem } from '../protocol/authorizationDetails.ts';

type Detail = { type: string; [field: string]: unknown };

/** The details as one JSON text: what the login request shows the phone and what `adh` hashes. */
export function authorizationDetailsText(param: unknown): string | null {
  return typeof param === 'string' && param !== '' ? JSON.stringify(JSON.parse(param)) : null;
}

/** The hash a phone signed for this sign-in's details, as the login result keeps it; null: none. */
function approvedHash(ctx: KoaContextWithOIDC): string | null {
  const login = ctx.oidc.result?.login as { authorization_details_sha256?: unknown } | undefined;
  return typeof login?.authorization_details_sha256 === 'string' ? login.authorization_details_sha256 : null;
}

/** Whether this authorization request asks for details that no phone approved in this sign-in. */
export function needsTransactionApproval(ctx: KoaContextWithOIDC): boolean {
  const text = authorizationDetailsText(ctx.oidc.params?.authorization_details);
  return text !== null && approvedHash(ctx) !== authorizationDetailsHash(text);
}

function typesOf(clients: ClientMetadata[]): string[] {
  return [...new Set(clients.flatMap((client) => (Array.isArray(client.authorization_details_types) ? (client.authorization_details_types as string[]) : [])))];
}

/** Where the engine checks details: the authorization request (pushed or not), and the token request that redeems it. */
const APPROVED_ON_THE_PHONE = new Set(['authorization', 'pushed_authorization_request', 'token']);

export function richAuthorizationFeature(clients: ClientMetadata[]) {
  const validate = async (ctx: KoaContextWithOIDC, detail: Detail) => {
    // Only a sign-in in a browser shows the phone the details (a QR code's login request); a TV's
    // code (RFC 8628) and a back-channel request (CIBA) reach the phone another way, without them.
    if (!APPROVED_ON_THE_PHONE.has(ctx.oidc.route)) throw new errors.InvalidAuthorizationDetails('authorization_details are approved in the authorization code flow only (an authorization request, or a pushed one)');
    const problem = descriptionProblem(detail.description);
    if (problem) throw new errors.InvalidAuthorizationDetails(`authorization_details entry of type "${detail.type}" ${problem}`);
  };
  return {
    enabled: true,
    types: Object.fromEntries(typesOf(clients).map((type) => [type, { validate }])),
    async authorizationDetailsForGrantSource(ctx: KoaContextWithOIDC) {
      if (needsTransactionApproval(ctx)) throw new errors.AccessDenied('the phone did not approve these authorization_details');
      return JSON.parse(String(ctx.oidc.params!.authorization_details)) as Detail[];
    },
    // A token request may not change what the person approved: it gets exactly the code's (or
    // refresh token's) details, and a client with no person behind it (client credentials) none.
    async authorizationDetailsForAccessToken(ctx: KoaContextWithOIDC, _token: unknown, source: { rar?: Detail[] } | undefined) {
      const asked = authorizationDetailsText(ctx.oidc.params?.authorization_details);
      if (!source?.rar) {
        if (asked !== null) throw new errors.InvalidAuthorizationDetails('authorization_details are approved by a person on their phone in the authorization request, not asked for here');
        return undefined;
      }
      if (asked !== null && asked !== JSON.stringify(source.rar)) throw new errors.InvalidAuthorizationDetails('a token request cannot change the authorization_details the person approved');
      return source.rar;
    },
    async authorizationDetailsForIntrospection(_ctx: KoaContextWithOIDC, token: { rar?: Detail[] }) {
      return token.rar;
    },
  };
}

/** RFC 8707: the APIs clients.json names (`resource_server`), whose access tokens are JWTs with their address as `aud`. */
export function resourceIndicatorsFeature(clients: ClientMetadata[]) {
  const servers = new Map(clients.filter((client) => typeof client.resource_server === 'string').map((client) => [client.resource_server as string, client]));
  return {
    enabled: true,
    // The token request need not repeat `resource`: the code's is used.
    useGrantedResource: async () => true,
    async getResourceServerInfo(_ctx: KoaContextWithOIDC, indicator: string) {
      const server = servers.get(indicator);
      if (!server) throw new errors.InvalidTarget(`no API is registered at ${indicator} (clients.json "resource_server")`);
      return { scope: typeof server.scope === 'string' ? server.scope : '', audience: indicator, accessTokenFormat: 'jwt' as const, jwt: { sign: { alg: 'RS256' as const } } };
    },
  };
}
