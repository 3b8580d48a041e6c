// The pages' static files (script, style) from views/assets: a fixed list, so no path from the
// request ever reaches the file system.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type Router from '@koa/router';
import { VIEWS_DIR } from './render.ts';

const TYPES: Record<string, string> = { '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8' };
const FILES = ['account-add-device.js', 'invite-watch.js', 'live-state.js', 'local-time.js', 'login.js', 'logout.js', 'scan-link.js', 'signup.js', 'style.css'];

export function mountAssets(router: Router): void {
  const assets = new Map(FILES.map((file) => [file, readFileSync(join(VIEWS_DIR, 'assets', file))]));
  router.get('/assets/:file', (ctx) => {
    const body = assets.get(ctx.params.file!);
    if (!body) return;
    ctx.type = TYPES[ctx.params.file!.slice(ctx.params.file!.lastIndexOf('.'))]!;
    ctx.set('Cache-Control', 'public, max-age=300');
    ctx.body = body;
  });
}
