// oidc-provider's error page (a bad authorization request, an unknown client), in our layout.
// The two errors that cannot go back to the app (it is unknown, or its redirect_uri is not
// registered) are nearly always a configuration mistake: the page also tells the app's
// developer what to change.
import type { Next } from 'koa';
import type { KoaContextWithOIDC } from 'oidc-provider';
import { errorTitle } from '../http/errors.ts';
import { mountedBasePath } from '../http/issuerPath.ts';
import { renderView } from '../http/render.ts';

/** A request parameter as sent (cut short: it is echoed on a page). */
function param(ctx: KoaContextWithOIDC, name: string): string | undefined {
  const value = (ctx.oidc?.params as Record<string, unknown> | undefined)?.[name] ?? ctx.query[name];
  return typeof value === 'string' && value !== '' ? value.slice(0, 300) : undefined;
}

/** What the developer of the app should fix, when the error says. */
export function developerHint(ctx: KoaContextWithOIDC, error: string): string | undefined {
  const clientId = param(ctx, 'client_id');
  const redirectUri = param(ctx, 'redirect_uri');
  if (error === 'invalid_client' && clientId) {
    return `No application is registered with client_id "${clientId}". Check the client_id your app sends; if it is right, register the app in Scanin's clients.json (see "Registering applications" in the README) and restart Scanin.`;
  }
  if (error === 'invalid_redirect_uri' && clientId && redirectUri) {
    return `The app "${clientId}" asked to come back to ${redirectUri}, which is not one of its registered redirect_uris. Add this exact URI to the client's "redirect_uris" in clients.json and restart Scanin, or fix the redirect URI the app sends: scheme, host, port, path and trailing slash must all match.`;
  }
  if (error === 'invalid_request' && !clientId) {
    return 'The authorization request has no client_id. Send the client_id Scanin registered for your app.';
  }
  return undefined;
}

export async function renderOidcError(ctx: KoaContextWithOIDC, out: { error: string; error_description?: string }): Promise<void> {
  ctx.type = 'html';
  ctx.body = await renderView('error', {
    base: mountedBasePath(ctx.req),
    title: errorTitle(ctx.status, out.error),
    message: out.error_description ?? 'The request was not valid.',
    code: out.error,
    hint: developerHint(ctx, out.error),
  });
}

type EscapedError = Error & { expose?: boolean; status?: number; statusCode?: number; error?: string; error_description?: string };

/** Whether the engine's answer is already its error redirect back to the app (no code in it). */
function errorRedirect(ctx: KoaContextWithOIDC): boolean {
  const location = ctx.response.get('Location');
  if (ctx.status < 300 || ctx.status >= 400 || !location) return false;
  const query = new URL(location, 'http://x').searchParams;
  return query.has('error') && !query.has('code');
}

/**
 * Errors that escape the engine's own handlers (which render through renderOidcError). The one
 * known: the session-save check of sessionOrigin.ts, when a device is revoked between the
 * approval and the session it makes. The engine's handler has by then sent the person back to
 * the app with `access_denied`, and its final session save throws again: Koa's default would
 * drop that redirect for a bare text "access_denied". The redirect stands; any other such error
 * is said on our page. Server errors go on as before (the engine's Koa logs them, answers 500).
 */
export async function renderEscapedErrors(ctx: KoaContextWithOIDC, next: Next): Promise<void> {
  try {
    await next();
  } catch (caught) {
    const error = caught as EscapedError;
    const status = error.statusCode ?? error.status ?? 500;
    if (!error.expose || status >= 500 || typeof error.error !== 'string') throw caught;
    if (errorRedirect(ctx)) return;
    ctx.remove('Location');
    ctx.status = status;
    ctx.set('Cache-Control', 'no-store');
    await renderOidcError(ctx, { error: error.error, error_description: error.error_description });
  }
}
