// The example relying party of the README walkthrough: an ordinary OIDC web app that signs in
// with Scanin (authorization code + PKCE, openid-client) and shows the ID token's claims and
// what the userinfo endpoint answers, and signs out (RP-initiated logout). It is what an application developer copies, not part of
// the provider, so it has its own variables (EXAMPLE_APP_*), none shared with Scanin's.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import * as oidc from 'openid-client';

function setting(name: string, fallback: string): string {
  return process.env[name] || fallback;
}

const PORT = Number(setting('EXAMPLE_APP_PORT', '8080'));
if (!Number.isInteger(PORT) || PORT < 1 || PORT > 65535) {
  console.error(`EXAMPLE_APP_PORT: expected a port number (1-65535), got ${JSON.stringify(process.env.EXAMPLE_APP_PORT)}`);
  process.exit(1);
}
const ISSUER = setting('EXAMPLE_APP_ISSUER', 'http://localhost:3000').replace(/\/+$/, '');
const CLIENT_ID = setting('EXAMPLE_APP_CLIENT_ID', 'example-app');
const ORIGIN = `http://localhost:${PORT}`;
const REDIRECT_URI = `${ORIGIN}/callback`;
/** Where Scanin sends the browser after signing out: one of the client's post_logout_redirect_uris. */
const POST_LOGOUT_URI = `${ORIGIN}/`;
const RETRY_MS = 2000;

const escape = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const json = (value: unknown) => escape(JSON.stringify(value, null, 2));
const page = (body: string) => `<!doctype html><html lang="en"><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>Example App</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:760px;margin:40px auto;padding:0 16px;color:#1c2430}
pre{background:#f3f5f8;border:1px solid #d9dee5;border-radius:6px;padding:12px;overflow:auto;font-size:14px}
dt{font-weight:600}dd{margin:0 0 8px}
a.button{display:inline-block;background:#1f5fd6;color:#fff;padding:10px 18px;border-radius:6px;text-decoration:none}</style>
<body>${body}</body></html>`;

function readCookie(req: IncomingMessage, name: string): string | undefined {
  return req.headers.cookie?.split(';').map((c) => c.trim().split('=')).find(([key]) => key === name)?.[1];
}

async function handle(config: oidc.Configuration, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', ORIGIN);
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
    if (!saved) throw new Error('no sign-in in progress: start at /login');
    const login = JSON.parse(Buffer.from(saved, 'base64url').toString()) as { verifier: string; state: string; nonce: string };
    const tokens = await oidc.authorizationCodeGrant(config, url, {
      pkceCodeVerifier: login.verifier,
      expectedState: login.state,
      expectedNonce: login.nonce,
      idTokenExpected: true,
    });
    const claims = tokens.claims()!;
    const userinfo = await oidc.fetchUserInfo(config, tokens.access_token, claims.sub);
    // The ID token is kept only to name this sign-in when signing out (id_token_hint).
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'set-cookie': ['example_login=; Path=/callback; Max-Age=0', `example_id_token=${tokens.id_token}; Path=/; HttpOnly; SameSite=Lax`] });
    return void res.end(page(`<h1>Signed in as ${escape(String(userinfo.name ?? claims.name ?? claims.sub))}</h1>
<h2>The ID token's claims</h2>
<p>Signed by Scanin and verified by openid-client (signature, issuer, audience, nonce, expiry):</p>
<pre id="id-token-claims">${json(claims)}</pre>
<h2>The userinfo answer</h2>
<p>What <code>${escape(config.serverMetadata().userinfo_endpoint ?? '')}</code> answered for the access token:</p>
<pre id="userinfo">${json(userinfo)}</pre>
<p><a class="button" href="/logout" id="sign-out">Sign out</a> <a href="/login">Sign in again</a></p>`));
  }
  if (url.pathname === '/logout') {
    // RP-initiated logout: Scanin asks the person, ends the session, and sends them back to POST_LOGOUT_URI.
    const idToken = readCookie(req, 'example_id_token');
    const target = oidc.buildEndSessionUrl(config, { post_logout_redirect_uri: POST_LOGOUT_URI, ...(idToken ? { id_token_hint: idToken } : {}) });
    res.writeHead(303, { location: target.href, 'set-cookie': 'example_id_token=; Path=/; Max-Age=0' });
    return void res.end();
  }
  if (url.pathname !== '/') {
    res.writeHead(404, { 'content-type': 'text/html; charset=utf-8' });
    return void res.end(page('<h1>Not found</h1><p><a href="/">Example App</a></p>'));
  }
  res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
  const signedIn = Boolean(readCookie(req, 'example_id_token'));
  res.end(page(`<h1>Example App</h1><p>A relying party of the Scanin at <code>${escape(ISSUER)}</code>, client <code>${escape(CLIENT_ID)}</code>.</p>
<p><a class="button" href="/login">Sign in with Scanin</a>${signedIn ? ' <a href="/logout" id="sign-out">Sign out</a>' : ''}</p>`));
}

/** Discovery, retried until Scanin answers: the app may well be started before Scanin is up. */
async function discover(): Promise<oidc.Configuration> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await oidc.discovery(new URL(ISSUER), CLIENT_ID, undefined, oidc.None(), {
        execute: ISSUER.startsWith('http:') ? [oidc.allowInsecureRequests] : [],
      });
    } catch (error) {
      const { message, cause } = error as Error & { cause?: { code?: string; message?: string } };
      const reason = cause?.code ?? cause?.message ?? message;
      console.log(`Waiting for Scanin at ${ISSUER} (${reason}); retrying in ${RETRY_MS / 1000} s (attempt ${attempt}). Set EXAMPLE_APP_ISSUER if it runs elsewhere.`);
      await sleep(RETRY_MS);
    }
  }
}

const config = await discover();
createServer((req, res) => {
  handle(config, req, res).catch((error: Error) => {
    // The OAuth error Scanin sent (access_denied, …) and its description, as openid-client read them.
    const { error: code, error_description: description } = error as Error & { error?: unknown; error_description?: unknown };
    const oauth = typeof code === 'string'
      ? `<dl><dt>error</dt><dd id="error">${escape(code)}</dd>${typeof description === 'string' ? `<dt>error_description</dt><dd id="error-description">${escape(description)}</dd>` : ''}</dl>`
      : '';
    res.writeHead(400, { 'content-type': 'text/html; charset=utf-8' });
    res.end(page(`<h1>Sign-in failed</h1>${oauth}<pre>${escape(error.message)}</pre><p><a href="/login">Try again</a></p>`));
  });
}).listen(PORT, () => console.log(`Example App on ${ORIGIN} (issuer ${ISSUER}, client ${CLIENT_ID}; its redirect URI ${REDIRECT_URI} must be in Scanin's clients.json)`));
