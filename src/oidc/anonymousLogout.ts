// A logout from a browser that is signed in to nobody, answered without the engine.
//
// oidc-provider's /session/end stores a session row (with the request's `state`) for every
// call, to carry its confirmation step, even when there is nobody to sign out: anyone could
// fill the database with them. With no signed-in session there is nothing to confirm, so this
// answers at once and stores nothing: back to the client's registered post_logout_redirect_uri
// (with `state`) when the request proves which client it comes from, else to the engine's
// "signed out" page.
import { parse as parseForm } from 'node:querystring';
import type { Context, Next } from 'koa';
import type Provider from 'oidc-provider';
import { readBody } from '../device/body.ts';
import { invalidRequest } from '../protocol/errors.ts';
import type { Services } from '../services.ts';

const FORM_LIMIT = 16 * 1024;

type LogoutParams = Record<string, string | undefined>;

async function readParams(ctx: Context): Promise<LogoutParams> {
  const raw = ctx.method === 'POST' ? parseForm((await readBody(ctx, FORM_LIMIT)).toString('utf8')) : ctx.query;
  const params: LogoutParams = {};
  for (const name of ['id_token_hint', 'client_id', 'post_logout_redirect_uri', 'state']) {
    const value = raw[name];
    if (Array.isArray(value)) throw invalidRequest(`${name} appears more than once`);
    params[name] = value || undefined;
  }
  return params;
}

function audienceOf(idToken: string): string {
  try {
    const payload = JSON.parse(Buffer.from(idToken.split('.')[1] ?? '', 'base64url').toString('utf8')) as { aud?: unknown };
    const aud = Array.isArray(payload.aud) ? payload.aud[0] : payload.aud;
    if (typeof aud === 'string') return aud;
  } catch {
    // reported below
  }
  throw invalidRequest('could not decode id_token_hint');
}

/** The client the request proves it comes from (by a valid ID token of it, or its client_id). */
async function logoutClient(provider: Provider, params: LogoutParams) {
  const clientId = params.id_token_hint ? audienceOf(params.id_token_hint) : params.client_id;
  if (!clientId) return undefined;
  if (params.client_id && params.client_id !== clientId) throw invalidRequest('client_id does not match the provided id_token_hint');
  const client = await provider.Client.find(clientId);
  if (!client) throw invalidRequest('the client is not registered');
  if (params.id_token_hint) {
    await provider.IdToken.validate(params.id_token_hint, client).catch(() => {
      throw invalidRequest('could not validate id_token_hint');
    });
  }
  return client;
}

export function anonymousLogout(services: Services) {
  const { provider, basePath } = services;
  return async (ctx: Context, next: Next) => {
    if (ctx.path !== '/session/end' || (ctx.method !== 'GET' && ctx.method !== 'POST')) return next();
    const session = await provider.Session.get(ctx as never);
    if (session.accountId) return next();

    const params = await readParams(ctx);
    const client = await logoutClient(provider, params);
    ctx.set('Cache-Control', 'no-store');
    const back = params.post_logout_redirect_uri;
    if (client && back !== undefined) {
      if (!client.postLogoutRedirectUriAllowed(back)) throw invalidRequest('post_logout_redirect_uri not registered');
      const target = new URL(back);
      if (params.state !== undefined) target.searchParams.set('state', params.state);
      ctx.status = 303;
      return ctx.redirect(target.href);
    }
    ctx.status = 303;
    ctx.redirect(`${basePath}/session/end/success${client ? `?client_id=${encodeURIComponent(client.clientId)}` : ''}`);
  };
}
