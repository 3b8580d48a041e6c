// Pages for people: ejs views from /views, always HTML-escaped, never with inline script.
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ejs from 'ejs';
import type { Context } from 'koa';
import { contentSecurityPolicy } from './csp.ts';

export const VIEWS_DIR = fileURLToPath(new URL('../../views/', import.meta.url));

/** `base`, the issuer's path (src/http/issuerPath.ts), starts every link a view makes. */
export function renderView(view: string, data: Record<string, unknown> & { base: string }): Promise<string> {
  // Compiled once per view and process: compiling costs about ten times the rendering (a
  // changed view shows after a restart).
  return ejs.renderFile(join(VIEWS_DIR, `${view}.ejs`), data, { async: true, cache: true });
}

/**
 * A page of Scanin's own. None may be cached (they show who is signing in, emails, one-time
 * codes), and its forms may lead only to Scanin and to `formTargets` (the origins the engine
 * redirects to after a post: the app's redirect URI).
 */
export async function render(ctx: Context, view: string, data: Record<string, unknown>, status = 200, formTargets: string[] = []): Promise<void> {
  const html = await renderView(view, { base: (ctx.state.basePath as string | undefined) ?? '', ...data });
  ctx.status = status;
  ctx.type = 'html';
  ctx.set('Cache-Control', 'no-store');
  ctx.set('Content-Security-Policy', contentSecurityPolicy({ formAction: formTargets }));
  ctx.body = html;
}
