// {issuer}/app/ — the web authenticator. A fixed set of files (no request path reaches the file
// system), under a strict Content-Security-Policy: scripts and styles from this origin only,
// nothing inline. connect-src is open to any http(s) origin because an account may live on
// another Scanin: the device API answers any origin and authenticates by signature alone.
import type Router from '@koa/router';
import { webAppFiles } from './bundle.ts';

const CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "media-src 'self' blob: mediastream:",
  "connect-src 'self' https: http:",
  "manifest-src 'self'",
  "worker-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

export function mountWebApp(router: Router): void {
  // Start bundling now, so the first visitor does not wait for it. A failure is said at once
  // (and /app/ then answers 500); it must not stop the rest of Scanin.
  webAppFiles().catch((error: unknown) => console.error('[scanin] the web app at /app/ could not be bundled:', error));

  router.get(['/app', '/app/:file'], async (ctx) => {
    // The app's relative links and the service worker's scope need the trailing slash.
    if (ctx.path === '/app') {
      ctx.status = 301;
      return ctx.redirect(`${(ctx.state.basePath as string | undefined) ?? ''}/app/`);
    }
    const file = (await webAppFiles()).get(ctx.params.file ?? 'index.html');
    if (!file) return;
    ctx.set('Content-Security-Policy', CSP);
    // The page and the worker are checked on every visit (a new version shows at once); the
    // rest may be kept a little. Offline use is the service worker's cache, not HTTP's.
    ctx.set('Cache-Control', file.type.startsWith('text/html') || ctx.params.file === 'sw.js' ? 'no-cache' : 'public, max-age=300');
    ctx.type = file.type;
    ctx.body = file.body;
  });
}
