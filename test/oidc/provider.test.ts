// The provider as an application and a person see it, beyond the happy login: discovery, the
// published keys, PKCE for public clients, readable errors.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestBrowser } from '../helpers/browser.ts';
import { PUBLIC_CLIENT, RP_REDIRECT, startTestScanin, type TestScanin } from '../helpers/scanin.ts';

describe('the OpenID provider', () => {
  let scanin: TestScanin;

  beforeAll(async () => {
    scanin = await startTestScanin();
  });
  afterAll(async () => {
    await scanin?.close();
  });

  it('publishes discovery with the code flow, S256 PKCE and the claims it issues', async () => {
    const discovery = (await (await fetch(`${scanin.issuer}/.well-known/openid-configuration`)).json()) as Record<string, unknown>;
    expect(discovery.issuer).toBe(scanin.issuer);
    expect(discovery.response_types_supported).toEqual(['code']);
    expect(discovery.code_challenge_methods_supported).toEqual(['S256']);
    expect(discovery.claims_supported).toEqual(expect.arrayContaining(['sub', 'email', 'name', 'amr', 'auth_time']));
    expect(discovery.userinfo_endpoint).toBe(`${scanin.issuer}/me`);
  });

  it('publishes only public signing keys, RS256 and ES256, each with its own kid', async () => {
    const { keys } = (await (await fetch(`${scanin.issuer}/jwks`)).json()) as { keys: Array<Record<string, unknown>> };
    expect(keys.map((key) => key.alg).sort()).toEqual(['ES256', 'RS256']);
    expect(new Set(keys.map((key) => key.kid)).size).toBe(2);
    for (const key of keys) {
      for (const privatePart of ['d', 'p', 'q', 'dp', 'dq', 'qi']) expect(key).not.toHaveProperty(privatePart);
    }
  });

  it('requires PKCE from a public client', async () => {
    const url = new URL(`${scanin.issuer}/auth`);
    url.search = new URLSearchParams({ client_id: PUBLIC_CLIENT, response_type: 'code', scope: 'openid', redirect_uri: RP_REDIRECT }).toString();
    const page = await new TestBrowser().fetch(url.href);
    expect(page.status).toBe(303);
    const back = new URL(page.location!);
    expect(back.origin + back.pathname).toBe(RP_REDIRECT);
    expect(back.searchParams.get('error')).toBe('invalid_request');
    expect(back.searchParams.get('error_description')).toContain('PKCE');
  });

  it('shows a readable page, not JSON, for an unknown client', async () => {
    const page = await new TestBrowser().fetch(`${scanin.issuer}/auth?client_id=nobody&response_type=code&scope=openid`);
    expect(page.status).toBe(400);
    expect(page.headers['content-type']).toContain('text/html');
    expect(page.body).toContain('This request is not valid');
    expect(page.body).toContain('invalid_client');
  });

  it("answers unknown paths of Scanin's own with a 404 in the form the caller reads", async () => {
    const api = await fetch(`${scanin.issuer}/device/v1/nothing-here`);
    expect(api.status).toBe(404);
    expect(await api.json()).toMatchObject({ error: 'not_found' });
    const page = await new TestBrowser().fetch(`${scanin.issuer}/interaction/nothing/here/at/all`);
    expect(page.status).toBe(404);
    expect(page.headers['content-type']).toContain('text/html');
  });

  it('shows a readable page when an interaction page is opened without its cookie', async () => {
    const page = await new TestBrowser().fetch(`${scanin.issuer}/interaction/someone-elses-uid`);
    expect(page.status).toBe(400);
    expect(page.body).toContain('This sign-in has expired or was started in another browser');
  });

  it("keeps every page out of other sites' frames", async () => {
    const page = await new TestBrowser().fetch(`${scanin.issuer}/q/AAAAAAAAAAAAAAAAAAAAAA`);
    expect(page.status).toBe(200);
    expect(page.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(page.headers['x-frame-options']).toBe('DENY');
  });
});
