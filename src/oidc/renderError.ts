// oidc-provider's error page (a bad authorization request, an unknown client), in our layout.
import type { KoaContextWithOIDC } from 'oidc-provider';
import { errorTitle } from '../http/errors.ts';
import { mountedBasePath } from '../http/issuerPath.ts';
import { renderView } from '../http/render.ts';

export async function renderOidcError(ctx: KoaContextWithOIDC, out: { error: string; error_description?: string }): Promise<void> {
  ctx.type = 'html';
  ctx.body = await renderView('error', {
    base: mountedBasePath(ctx.req),
    title: errorTitle(ctx.status),
    message: out.error_description ?? 'The request was not valid.',
    code: out.error,
  });
}
