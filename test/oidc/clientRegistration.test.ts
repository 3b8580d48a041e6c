// Developers configuring clients: the README's clients.json examples start as written, dynamic
// registration works behind its initial access token (and only there), and an unknown client or
// an unregistered redirect_uri gets a page that says what to fix.
import { readFileSync } from 'node:fs';
import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/env.ts';
import { TestBrowser, readLoginPage } from '../helpers/browser.ts';
import { enrolledPhone } from '../helpers/login.ts';
import { RP_REDIRECT, PUBLIC_CLIENT, startTestScanin, type TestScanin } from '../helpers/scanin.ts';

const TOKEN = 'registration-token-that-is-long-enough-0123456789';

function readmeClientExamples(): unknown[] {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  const section = readme.slice(readme.indexOf('## Registering applications'));
  const blocks = [...section.matchAll(/\*\*A [^*]+\*\*[^\n]*\n```json\n([\s\S]*?)```/g)].map((match) => JSON.parse(match[1]!) as unknown);
  return blocks;
}

describe('clients.json as the README documents it', () => {
  it('starts with the four examples (web app, SPA, native app, service) as written', async () => {
    const examples = readmeClientExamples();
    expect(examples.map((example) => (example as { client_id: string }).client_id)).toEqual(['wiki', 'dashboard', 'notes-mobile', 'billing-sync']);
    const scanin = await startTestScanin({ clients: examples });
    try {
      const service = await oidc.discovery(new URL(scanin.issuer), 'billing-sync', undefined, oidc.ClientSecretBasic('another-secret-of-32-or-more-random-characters'), { execute: [oidc.allowInsecureRequests] });
      expect((await oidc.clientCredentialsGrant(service, { scope: 'billing:read' })).scope).toBe('billing:read');
    } finally {
      await scanin.close();
    }
  });
});

describe('dynamic registration', () => {
  let scanin: TestScanin;

  beforeAll(async () => {
    scanin = await startTestScanin({ env: { REGISTRATION_TOKEN: TOKEN } });
  });
  afterAll(async () => {
    await scanin?.close();
  });

  /** `token` null: no Authorization header. */
  function register(body: unknown, token: string | null = TOKEN) {
    return fetch(`${scanin.issuer}/reg`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify(body),
    });
  }

  it('is advertised in discovery', async () => {
    const discovery = (await (await fetch(`${scanin.issuer}/.well-known/openid-configuration`)).json()) as Record<string, unknown>;
    expect(discovery.registration_endpoint).toBe(`${scanin.issuer}/reg`);
  });

  it('refuses a request without the initial access token, or with a wrong one, and registers nothing', async () => {
    for (const token of [null, `${TOKEN}x`]) {
      const answer = await register({ client_name: 'Sneaky', redirect_uris: ['https://sneaky.example/cb'] }, token);
      expect(answer.status).toBe(401);
      expect(await answer.json()).toMatchObject({ error: 'invalid_token' });
    }
    const stored = await scanin.services.db('oidc_payloads').where({ model: 'Client' }).count({ n: '*' });
    expect(Number(stored[0]!.n)).toBe(0);
  });

  it('refuses first_party, resource_server, roles, allowed_groups and a public client without PKCE', async () => {
    const firstParty = await register({ client_name: 'Pushy', redirect_uris: ['https://pushy.example/cb'], first_party: true });
    expect(firstParty.status).toBe(400);
    expect(await firstParty.json()).toMatchObject({ error: 'invalid_client_metadata', error_description: expect.stringContaining('clients.json') });
    const api = await register({ client_name: 'Grabby', grant_types: ['client_credentials'], response_types: [], resource_server: 'https://pay.example.com/' });
    expect(api.status).toBe(400);
    expect(await api.json()).toMatchObject({ error: 'invalid_client_metadata', error_description: expect.stringContaining('resource_server can only be set in clients.json') });
    for (const field of [{ roles: { admin: ['admins'] } }, { allowed_groups: ['staff'] }]) {
      const answer = await register({ client_name: 'Climber', redirect_uris: ['https://climber.example/cb'], ...field });
      expect(answer.status).toBe(400);
      expect(await answer.json()).toMatchObject({ error: 'invalid_client_metadata', error_description: `${Object.keys(field)[0]} can only be set in clients.json, by whoever runs Scanin` });
    }
    const noPkce = await register({ redirect_uris: ['https://spa.example/cb'], token_endpoint_auth_method: 'none', require_pkce: false });
    expect(noPkce.status).toBe(400);
    expect(await noPkce.json()).toMatchObject({ error: 'invalid_client_metadata', error_description: expect.stringContaining('PKCE') });
  });

  it('registers a client that then signs people in (with consent) and is kept across a restart', async () => {
    const answer = await register({ client_name: 'Registered App', redirect_uris: [RP_REDIRECT], token_endpoint_auth_method: 'none' });
    expect(answer.status).toBe(201);
    const registered = (await answer.json()) as { client_id: string; registration_access_token: string; registration_client_uri: string };
    expect(registered.registration_client_uri).toBe(`${scanin.issuer}/reg/${registered.client_id}`);

    const { dir, port, env } = scanin;
    await scanin.close();
    scanin = await startTestScanin({ dir, env: { ...env, PORT: String(port) } });

    const read = await fetch(registered.registration_client_uri, { headers: { authorization: `Bearer ${registered.registration_access_token}` } });
    expect(await read.json()).toMatchObject({ client_id: registered.client_id, client_name: 'Registered App' });

    const phone = await enrolledPhone(scanin, 'ivy@example.com', 'ivy.json');
    const config = await oidc.discovery(new URL(scanin.issuer), registered.client_id, undefined, oidc.None(), { execute: [oidc.allowInsecureRequests] });
    const verifier = oidc.randomPKCECodeVerifier();
    const url = oidc.buildAuthorizationUrl(config, { redirect_uri: RP_REDIRECT, scope: 'openid email', code_challenge: await oidc.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256' });
    const browser = new TestBrowser();
    const { page } = await browser.follow(url.href, scanin.issuer);
    await phone.answer(readLoginPage(page.body).qrUrl, 'approve');
    const consent = await browser.follow(`${page.url}/complete`, scanin.issuer);
    expect(consent.page.body).toContain('Registered App wants to know who you are');
  });

  it('needs a long enough token to be turned on', () => {
    expect(() => loadConfig({ REGISTRATION_TOKEN: 'short' })).toThrow(ConfigError);
    expect(() => loadConfig({ REGISTRATION_TOKEN: 'short' })).toThrow(/REGISTRATION_TOKEN/);
  });
});

describe('a sign-in that cannot go back to the app', () => {
  let scanin: TestScanin;

  beforeAll(async () => {
    scanin = await startTestScanin();
  });
  afterAll(async () => {
    await scanin?.close();
  });

  function authorize(params: Record<string, string>) {
    return new TestBrowser().fetch(`${scanin.issuer}/auth?${new URLSearchParams({ response_type: 'code', scope: 'openid', ...params })}`);
  }

  it('names an unknown client and says where to register it', async () => {
    const page = await authorize({ client_id: 'wikki', redirect_uri: RP_REDIRECT });
    expect(page.status).toBe(400);
    expect(page.body).toContain('No application is registered with client_id &#34;wikki&#34;');
    expect(page.body).toContain('clients.json');
  });

  it('names the redirect_uri that is not registered and says to add it', async () => {
    const page = await authorize({ client_id: PUBLIC_CLIENT, redirect_uri: 'http://127.0.0.1:9/callback/' });
    expect(page.status).toBe(400);
    expect(page.headers['content-type']).toContain('text/html');
    expect(page.body).toContain('http://127.0.0.1:9/callback/, which is not one of its registered redirect_uris');
    expect(page.body).toContain('trailing slash');
    // Nothing was sent to the unregistered address.
    expect(page.location).toBeUndefined();
  });

  it('shows what the request sent only as text', async () => {
    const page = await authorize({ client_id: '<img src=x onerror=alert(1)>' });
    expect(page.body).not.toContain('<img src=x');
    expect(page.body).toContain('&lt;img src=x onerror=alert(1)&gt;');
  });
});
