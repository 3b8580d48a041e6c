// The example relying party of the README walkthrough: an ordinary OIDC web app that signs in
// with Scanin (authorization code + PKCE, openid-client) and shows the ID token it receives.
// It is what an application developer copies, not part of the provider.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import * as oidc from 'openid-client';

const PORT = Number(process.env.PORT ?? 8080);
const ISSUER = process.env.SCANIN_ISSUER ?? 'http://localhost:3000';
const CLIENT_ID = process.env.CLIENT_ID ?? 'example-app';
const REDIRECT_URI = `http://localhost:${PORT}/callback`;

const escape = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const page = (body: string) => `<!doctype html><meta charset="utf-8"><title>Example App</title>
<body style="font:16px system-ui;max-width:720px;margin:40px auto">${body}</body>`;

function readCookie(req: IncomingMessage, name: string): string | undefined {
  return req.headers.cookie?.split(';').map((c) => c.trim().split('=')).find(([key]) => key === name)?.[1];
}

async function handle(config: oidc.Configuration, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', `http://localhost:${PORT}`);
  if (url.pathname === '/login') {
    // The verifier, state and nonce live in the browser's cookie until the callback.
    const login = { verifier: oidc.randomPKCECodeVerifier(), state: oidc.randomState(), nonce: oidc.randomNonce() };
    const target = oidc.buildAuthorizationUrl(config, {
      redirect_uri: REDIRECT_URI,
      scope: 'openid email profile',
      code_challenge: await oidc.calculatePKCECodeChallenge(login.verifier),
      code_challenge_method: 'S256',
      state: login.state,
      nonce: login.nonce,
    });
    res.writeHead(303, {
      location: target.href,
      'set-cookie': `example_login=${Buffer.from(JSON.stringify(login)).toString('base64url')}; Path=/callback; HttpOnly; SameSite=Lax`,
    });
    return void res.end();
  }
  if (url.pathname === '/callback') {
    const saved = readCookie(req, 'example_login');
    if (!saved) throw new Error('no login in progress: start at /login');
    const login = JSON.parse(Buffer.from(saved, 'base64url').toString()) as { verifier: string; state: string; nonce: string };
    const tokens = await oidc.authorizationCodeGrant(config, url, {
      pkceCodeVerifier: login.verifier,
      expectedState: login.state,
      expectedNonce: login.nonce,
      idTokenExpected: true,
    });
    const claims = tokens.claims()!;
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'set-cookie': 'example_login=; Path=/callback; Max-Age=0' });
    return void res.end(page(`<h1>Signed in as ${escape(String(claims.name ?? claims.sub))}</h1>
<p>The ID token Scanin issued, verified by openid-client:</p><pre>${escape(JSON.stringify(claims, null, 2))}</pre>
<p><a href="/login">Sign in again</a></p>`));
  }
  res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
  res.end(page(`<h1>Example App</h1><p>Relying party of ${escape(ISSUER)}.</p><p><a href="/login">Sign in with Scanin</a></p>`));
}

const config = await oidc.discovery(new URL(ISSUER), CLIENT_ID, undefined, oidc.None(), {
  execute: ISSUER.startsWith('http:') ? [oidc.allowInsecureRequests] : [],
});
createServer((req, res) => {
  handle(config, req, res).catch((error: Error) => {
    res.writeHead(400, { 'content-type': 'text/html; charset=utf-8' });
    res.end(page(`<h1>Sign-in failed</h1><pre>${escape(error.message)}</pre><p><a href="/login">Try again</a></p>`));
  });
}).listen(PORT, () => console.log(`Example App on http://localhost:${PORT} (issuer ${ISSUER})`));
