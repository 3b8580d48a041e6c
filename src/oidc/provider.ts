// The OpenID Connect engine (oidc-provider) configured for Scanin: our storage, our accounts,
// persisted keys and cookie secrets, our interaction pages, consent skipped for first-party
// clients and remembered per person and client for the others.
import Provider, { errors, type Client, type ClientMetadata, type Configuration, type KoaContextWithOIDC } from 'oidc-provider';
import type { JsonWebKey } from 'node:crypto';
import type { Clock } from '../clock.ts';
import type { Config } from '../config/env.ts';
import { issuerPath } from '../http/issuerPath.ts';
import { findConsent } from '../store/consents.ts';
import { cibaFeature } from '../ciba/backchannel.ts';
import type { Pusher } from '../push/pusher.ts';
import type { EventBus } from '../events/bus.ts';
import type { Logger } from '../log/logger.ts';
import type { Db } from '../store/db.ts';
import { accountFinder } from './account.ts';
import { knexAdapterFactory } from './adapter.ts';
import { loginPolicy } from './loginPolicy.ts';
import { mayUseClient } from './accessRules.ts';
import { accessTokenClaims } from './accessTokenClaims.ts';
import { ACR_VALUES } from './authContext.ts';
import { ownFieldProblem, SCANIN_CLIENT_FIELDS } from './clients.ts';
import { resourceIndicatorsFeature, richAuthorizationFeature } from './richAuthorization.ts';
import { successSource, userCodeConfirmSource, userCodeInputSource } from './deviceFlowPages.ts';
import { auditLogouts, frontchannelLogout, includeSidForFrontchannel, logoutSource, postLogoutSuccessSource } from './logout.ts';
import { renderEscapedErrors, renderOidcError } from './renderError.ts';
import { ID_TOKEN_TTL } from './keys.ts';
import type { Metrics } from '../ops/metrics.ts';
import type { HitCounter } from '../ratelimit/hitCounters.ts';
import { limitSignInsPerAccount } from '../ratelimit/limitEngineRoutes.ts';

export type ProviderInputs = {
  config: Config;
  issuer: string;
  db: Db;
  clock: Clock;
  clients: ClientMetadata[];
  signingKeys: JsonWebKey[];
  cookieKeys: string[];
  bus: EventBus;
  log: Logger;
  metrics: Metrics;
  hitCounter: HitCounter;
  pusher: Pusher;
};

const DAY = 24 * 60 * 60;

/**
 * The grant a login may reuse: the one this session still has for the client; else, for a
 * first-party client, one covering what it asks; else one rebuilt from remembered consent.
 * A first-party client's grant always covers what it asks, a session's grant too (a scope it
 * did not ask for before, an API's scopes). Whatever a third-party grant lacks, oidc-provider's
 * consent prompt then asks for.
 */
function grantLoader(db: Db) {
  return async (ctx: KoaContextWithOIDC) => {
    const { Grant } = ctx.oidc.provider;
    const client = ctx.oidc.client!;
    const grantId = ctx.oidc.result?.consent?.grantId || ctx.oidc.session!.grantIdFor(client.clientId);
    const firstParty = (client as unknown as { first_party?: boolean }).first_party === true;
    const existing = grantId ? await Grant.find(grantId) : undefined;
    if (existing) {
      if (firstParty && coverRequest(ctx, existing)) await existing.save();
      return existing;
    }
    // A session's grant may be gone (the person revoked the app on the account page): then the
    // app is let in again as if new, first-party without asking, third-party through consent.
    const accountId = ctx.oidc.session!.accountId;
    if (!accountId) return undefined;
    const grant = new Grant({ accountId, clientId: client.clientId });
    if (firstParty) {
      coverRequest(ctx, grant);
    } else {
      const consent = await findConsent(db, accountId, client.clientId);
      if (!consent) return undefined;
      grant.addOIDCScope(consent.scope.join(' '));
      if (consent.claims.length) grant.addOIDCClaims(consent.claims);
    }
    await grant.save();
    return grant;
  };
}

type Grant = InstanceType<KoaContextWithOIDC['oidc']['provider']['Grant']>;

/**
 * Adds to a first-party client's grant what this request asks: its OpenID scopes and claims, and
 * for each API it names (`resource`, RFC 8707) those of the requested scopes that API accepts
 * (clients.json `resource_server` and `scope`, oidc/richAuthorization.ts). True when the grant
 * gained anything, so that a grant that already covers the request is not written again.
 */
function coverRequest(ctx: KoaContextWithOIDC, grant: Grant): boolean {
  const before = JSON.stringify([grant.openid, grant.resources]);
  const scopes = [...ctx.oidc.requestParamScopes];
  if (scopes.length) grant.addOIDCScope(scopes.join(' '));
  const claims = [...ctx.oidc.requestParamClaims];
  if (claims.length) grant.addOIDCClaims(claims);
  const requested = new Set(scopes);
  for (const [indicator, server] of Object.entries(ctx.oidc.resourceServers ?? {})) {
    const accepted = String(server.scope ?? '').split(' ').filter((scope) => requested.has(scope));
    if (accepted.length) grant.addResourceScope(indicator, accepted.join(' '));
  }
  return JSON.stringify([grant.openid, grant.resources]) !== before;
}

/** A client revokes its own tokens only. */
async function revocationAllowed(_ctx: KoaContextWithOIDC, client: Client, token: { clientId?: string }): Promise<boolean> {
  return token.clientId === client.clientId;
}

/** Token introspection is for confidential clients (resource servers), never for public ones. */
async function introspectionAllowed(_ctx: KoaContextWithOIDC, client: Client): Promise<boolean> {
  return client.clientAuthMethod !== 'none';
}

const OIDC_SCOPES = ['openid', 'offline_access', 'email', 'profile'];

/**
 * What the engine accepts as a client's metadata beyond its own schema, and what a client gets
 * by default: shared with the engine that checks a client `scanin clients create` makes
 * (clientValidator.ts), so the command and the server accept the same clients.
 */
export const CLIENT_RULES = {
  clientDefaults: {
    grant_types: ['authorization_code'],
    response_types: ['code'],
    id_token_signed_response_alg: 'RS256',
    require_auth_time: true,
  },
  extraClientMetadata: {
    properties: SCANIN_CLIENT_FIELDS,
    validator(ctx, key, value, metadata) {
      const problem = ownFieldProblem(key, value, metadata as Record<string, unknown>);
      if (problem) throw new errors.InvalidClientMetadata(problem);
      // Skipping consent is the operator's decision, never a registering client's.
      if (key === 'first_party' && value === true && ctx?.oidc?.route === 'registration') {
        throw new errors.InvalidClientMetadata('first_party can only be set in clients.json, by whoever runs Scanin');
      }
      // Which address is an API's, which groups give a client's roles and who may use it are the operator's to say too.
      if ((key === 'resource_server' || key === 'roles' || key === 'allowed_groups') && value !== undefined && ctx?.oidc?.route === 'registration') {
        throw new errors.InvalidClientMetadata(`${key} can only be set in clients.json, by whoever runs Scanin`);
      }
    },
  },
} satisfies Pick<Configuration, 'clientDefaults' | 'extraClientMetadata'>;

/** The scopes Scanin knows: OpenID's own, plus whatever a registered client's `scope` names (a service's API scopes). */
function knownScopes(clients: ClientMetadata[]): string[] {
  const named = clients.flatMap((client) => (typeof client.scope === 'string' ? client.scope.split(' ').filter(Boolean) : []));
  return [...new Set([...OIDC_SCOPES, ...named])];
}

export function createProvider(inputs: ProviderInputs): Provider {
  const { config, issuer, db, clock } = inputs;
  const configuration: Configuration = {
    adapter: knexAdapterFactory(db, clock),
    clients: inputs.clients,
    findAccount: accountFinder(db, clock),
    jwks: { keys: inputs.signingKeys as NonNullable<Configuration['jwks']>['keys'] },
    cookies: {
      keys: inputs.cookieKeys,
      long: { signed: true, httpOnly: true, sameSite: 'lax' },
      short: { signed: true, httpOnly: true, sameSite: 'lax' },
    },
    // What each value means is in the README ("Authentication levels"); authContext.ts maps them.
    acrValues: ACR_VALUES,
    claims: {
      acr: null,
      auth_time: null,
      sid: null,
      iss: null,
      // acr and amr reach the ID token only when a scope carries them: every login here is proof
      // of possession of a device key, and says how strong (authContext.ts), so `openid` does.
      openid: ['sub', 'acr', 'amr'],
      email: ['email', 'email_verified'],
      // Scanin has no user names: preferred_username is the email (it may change; `sub` never does).
      profile: ['name', 'preferred_username'],
      // The person's groups (parents included, expired memberships not), and the roles this
      // client's clients.json `roles` maps from them (account.ts).
      groups: ['groups', 'roles'],
    },
    extraTokenClaims: accessTokenClaims(db, clock, inputs.clients) as unknown as Configuration['extraTokenClaims'],
    // Relying parties get email and name in the ID token itself, not only from userinfo.
    conformIdTokenClaims: false,
    ...CLIENT_RULES,
    discovery: { frontchannel_logout_supported: true, frontchannel_logout_session_supported: true },
    // Not an extra parameter (the engine knows login_hint): the hook where the engine lets us
    // check a parameter after it has assembled them, request objects included.
    extraParams: { login_hint: limitSignInsPerAccount({ db, clock, config, metrics: inputs.metrics, hitCounter: inputs.hitCounter }) },
    features: {
      devInteractions: { enabled: false },
      backchannelLogout: { enabled: true },
      ciba: cibaFeature({ db, clock, config, bus: inputs.bus, pusher: inputs.pusher, log: inputs.log }),
      claimsParameter: { enabled: true },
      clientCredentials: { enabled: true },
      introspection: { enabled: true, allowedPolicy: introspectionAllowed },
      revocation: { enabled: true, allowedPolicy: revocationAllowed },
      // RFC 8628: a TV or a terminal shows a code; the person types it at /device and signs in
      // there by QR code like any login.
      deviceFlow: { enabled: true, charset: 'base-20', mask: '****-****', userCodeInputSource, userCodeConfirmSource, successSource },
      rpInitiatedLogout: { enabled: true, logoutSource, postLogoutSuccessSource },
      // RFC 7591, only for whoever holds REGISTRATION_TOKEN; registered clients live in the database.
      registration: config.registrationToken ? { enabled: true, initialAccessToken: config.registrationToken } : { enabled: false },
      userinfo: { enabled: true },
      // Transaction approval (RFC 9396), for the APIs clients.json names (RFC 8707).
      richAuthorizationRequests: richAuthorizationFeature(inputs.clients),
      resourceIndicators: resourceIndicatorsFeature(inputs.clients),
    },
    // RFC 9700: PKCE for every code-flow client, unless a confidential one opts out (clients.json
    // "require_pkce": false, for legacy servers that cannot send it).
    pkce: { required: (_ctx, client) => (client as unknown as { require_pkce?: boolean }).require_pkce !== false },
    // A refresh token is used once: every refresh returns a new one, and reusing an old one
    // revokes the grant (the engine's replay detection).
    rotateRefreshToken: true,
    // Calls Scanin makes to clients (back-channel logout, CIBA ping) go through the engine's
    // guard against private addresses, unless the operator says the apps live on such a network.
    ...(config.allowPrivateCallbacks ? { fetch: (url: Parameters<typeof fetch>[0], options?: RequestInit) => fetch(url, { ...options, dispatcher: undefined } as RequestInit) } : {}),
    scopes: knownScopes(inputs.clients),
    // The authorization code flow only: no implicit or hybrid flows, whose tokens travel in URLs.
    responseTypes: ['code'],
    // Under the issuer's path, like every route of Scanin (src/http/issuerPath.ts).
    // /device/ is the device protocol's (docs/protocol.md): the device grant lives elsewhere, and
    // /activate is what a TV tells the person to open.
    routes: { code_verification: '/activate', device_authorization: '/device_authorization' },
    interactions: { policy: loginPolicy((ctx, accountId) => mayUseClient(db, clock, ctx, accountId)), url: (_ctx, interaction) => `${issuerPath(issuer)}/interaction/${interaction.uid}` },
    loadExistingGrant: grantLoader(db),
    renderError: renderOidcError,
    ttl: {
      AccessToken: 60 * 60,
      AuthorizationCode: 60,
      BackchannelAuthenticationRequest: 10 * 60,
      ClientCredentials: 10 * 60,
      DeviceCode: 10 * 60,
      Grant: 14 * DAY,
      IdToken: ID_TOKEN_TTL,
      Interaction: config.interactionTtl,
      RefreshToken: 14 * DAY,
      Session: 14 * DAY,
    },
  };
  const provider = new Provider(issuer, configuration);
  provider.proxy = config.trustProxy.kind !== 'none';
  includeSidForFrontchannel(provider);
  provider.use(renderEscapedErrors);
  provider.use(frontchannelLogout(provider, issuer));
  auditLogouts(provider, { db, clock, config, log: inputs.log });
  return provider;
}
