// Signing out (OpenID RP-Initiated Logout and Front-Channel Logout): Scanin's own pages instead
// of the engine's (which load a third-party font), and the front-channel frames oidc-provider
// no longer renders itself. Back-channel logout is the engine's own feature.
import type Provider from 'oidc-provider';
import type { KoaContextWithOIDC } from 'oidc-provider';
import { recordAudit, type AuditTarget } from '../audit/audit.ts';
import { displayIp } from '../http/ip.ts';
import { mountedBasePath } from '../http/issuerPath.ts';
import { contentSecurityPolicy, originOf } from '../http/csp.ts';
import { renderView } from '../http/render.ts';
import type { Services } from '../services.ts';
import { deliverDueLogouts } from './backchannelLogout.ts';
import { endAccountSessions } from './sessions.ts';

type Session = Awaited<ReturnType<Provider['Session']['get']>>;

export type FrontchannelFrame = { clientId: string; url: string };

/** Scanin's client fields for front-channel logout (OpenID Front-Channel Logout 1.0 §2). */
type FrontchannelClient = { frontchannel_logout_uri?: string; frontchannel_logout_session_required?: boolean };

function clientLabel(ctx: KoaContextWithOIDC): string | undefined {
  const client = ctx.oidc.client;
  return client ? (client.clientName ?? client.clientId) : undefined;
}

/** "Sign out?" — asked before a relying party's logout request ends anything. */
export async function logoutSource(ctx: KoaContextWithOIDC): Promise<void> {
  ctx.type = 'html';
  ctx.body = await renderView('logout', {
    base: mountedBasePath(ctx.req),
    action: ctx.oidc.urlFor('end_session_confirm'),
    xsrf: (ctx.oidc.session!.state as { secret: string }).secret,
    clientName: clientLabel(ctx),
  });
}

/** Shown after signing out when the relying party named no page to return to. */
export async function postLogoutSuccessSource(ctx: KoaContextWithOIDC): Promise<void> {
  ctx.type = 'html';
  ctx.body = await renderView('logged-out', { base: mountedBasePath(ctx.req), clientName: clientLabel(ctx) });
}

/** The front-channel logout URL of each client the session signed in to that registered one. */
async function frontchannelFrames(provider: Provider, session: Session, issuer: string): Promise<FrontchannelFrame[]> {
  const frames: FrontchannelFrame[] = [];
  for (const [clientId, authorization] of Object.entries(session.authorizations ?? {})) {
    const client = (await provider.Client.find(clientId)) as (FrontchannelClient & object) | undefined;
    if (!client?.frontchannel_logout_uri) continue;
    const url = new URL(client.frontchannel_logout_uri);
    if (client.frontchannel_logout_session_required && authorization.sid) {
      url.searchParams.set('iss', issuer);
      url.searchParams.set('sid', authorization.sid);
    }
    frames.push({ clientId, url: url.href });
  }
  return frames;
}

/**
 * The engine puts `sid` in ID tokens only for back-channel clients that need it; a client that
 * asked for `sid` on its front-channel logout URI needs it there too, to know which session ends.
 */
export function includeSidForFrontchannel(provider: Provider): void {
  const prototype = provider.Client.prototype as unknown as FrontchannelClient & { includeSid(): boolean };
  const engineRule = prototype.includeSid;
  prototype.includeSid = function includeSid(this: FrontchannelClient & { includeSid(): boolean }) {
    return engineRule.call(this) || Boolean(this.frontchannel_logout_uri && this.frontchannel_logout_session_required);
  };
}

/**
 * Provider middleware: when a logout confirmation ends sessions at clients that registered a
 * `frontchannel_logout_uri`, the browser gets a page that loads each in a hidden frame before it
 * goes where the engine was sending it. The frames are read before the engine forgets the
 * session, and kept only for the clients the confirmation actually signed out.
 */
export function frontchannelLogout(provider: Provider, issuer: string) {
  return async (ctx: KoaContextWithOIDC, next: () => Promise<void>): Promise<void> => {
    const confirming = ctx.method === 'POST' && ctx.path.endsWith('/session/end/confirm');
    const frames = confirming ? await frontchannelFrames(provider, await provider.Session.get(ctx), issuer) : [];
    await next();
    if (!frames.length || ctx.oidc?.route !== 'end_session_confirm' || ctx.status !== 303) return;
    const everything = Boolean(ctx.oidc.params?.logout);
    const signedOut = everything ? frames : frames.filter((frame) => frame.clientId === ctx.oidc.entities.Client?.clientId);
    if (!signedOut.length) return;
    const next_ = ctx.response.get('location');
    ctx.remove('location');
    ctx.status = 200;
    ctx.type = 'html';
    ctx.body = await renderView('logout-frames', { base: mountedBasePath(ctx.req), frames: signedOut, next: next_ });
    // The base policy frames nothing: this page frames each app's front-channel logout URL.
    ctx.set('Content-Security-Policy', contentSecurityPolicy({ frameSrc: signedOut.map((frame) => originOf(frame.url)).filter((origin) => origin !== null) }));
  };
}

/**
 * Provider middleware: "Sign out everywhere" on the logout page does what it says. The engine
 * ends this browser's session (telling its apps); then every other session of the account ends
 * too, with its grants and tokens and a queued back-channel logout for each app, exactly as the
 * account page's "Sign out everywhere" (endAccountSessions), and the logouts are sent at once.
 * The account is read before the engine forgets the session.
 */
export function signOutEverywhere(services: Services) {
  return async (ctx: KoaContextWithOIDC, next: () => Promise<void>): Promise<void> => {
    const confirming = ctx.method === 'POST' && ctx.path.endsWith('/session/end/confirm');
    const accountId = confirming ? (await services.provider.Session.get(ctx)).accountId : undefined;
    await next();
    if (!accountId || ctx.oidc?.route !== 'end_session_confirm' || !ctx.oidc.params?.logout || ctx.status >= 400) return;
    await endAccountSessions(services.db, accountId);
    await deliverDueLogouts(services);
  };
}

/**
 * Sign-outs in the audit trail: who, from which app's request, and whether everywhere; and each
 * back-channel logout a client did not accept, so an operator sees an app that missed one.
 */
export function auditLogouts(provider: Provider, target: AuditTarget): void {
  const record = (event: Parameters<typeof recordAudit>[1]) => {
    recordAudit(target, event).catch((error: unknown) => target.log?.error({ err: error }, 'audit failed'));
  };
  provider.on('end_session.success', (ctx: KoaContextWithOIDC) => {
    record({
      event: 'logout',
      account_id: ctx.oidc.session?.accountId ?? null,
      client_id: ctx.oidc.client?.clientId ?? null,
      ip: displayIp(ctx.ip),
      detail: { everywhere: Boolean(ctx.oidc.params?.logout) },
    });
  });
  provider.on('backchannel.error', (_ctx: KoaContextWithOIDC, error: Error, client: { clientId: string }, accountId: string) => {
    record({ event: 'logout.backchannel_failed', account_id: accountId, client_id: client.clientId, detail: { reason: error.message.slice(0, 200) } });
  });
}
