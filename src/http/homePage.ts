// The issuer's own address, opened in a browser: what this is, and where an application
// developer or a phone-app writer goes next (discovery, the keys, the device protocol).
import { readFileSync } from 'node:fs';
import type Router from '@koa/router';
import type { Services } from '../services.ts';
import { render } from './render.ts';

const PROTOCOL_DOC = readFileSync(new URL('../../docs/protocol.md', import.meta.url));

export function mountHomePage(router: Router, services: Services): void {
  // pathFor already starts with the issuer's path: only the origin is added.
  router.get('/', async (ctx) => {
    await render(ctx, 'home', { title: 'Scanin', issuer: services.issuer, jwksUri: new URL(services.provider.pathFor('jwks'), services.issuer).href });
  });
  // The device protocol, served by the instance it describes, for whoever writes a phone app.
  router.get('/docs/protocol.md', (ctx) => {
    ctx.type = 'text/markdown; charset=utf-8';
    ctx.set('Cache-Control', 'public, max-age=300');
    ctx.body = PROTOCOL_DOC;
  });
}
