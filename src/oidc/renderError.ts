// oidc-provider's error page (a bad authorization request, an unknown client), in our layout.
// The two errors that cannot go back to the app (it is unknown, or its redirect_uri is not
// registered) are nearly always a configuration mistake: the page also tells the app's
// developer what to change.
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
    title: errorTitle(ctx.status),
    message: out.error_description ?? 'The request was not valid.',
    code: out.error,
    hint: developerHint(ctx, out.error),
  });
}
