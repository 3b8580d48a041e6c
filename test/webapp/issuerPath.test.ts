// The web app and the vault under an issuer with a path (ISSUER=http://127.0.0.1:PORT/sso): the
// app is at /sso/app/, the scan-link pages lead there, and device requests sign the full URL.
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Authenticator } from '../../src/authenticator/authenticator.ts';
import { enrolledPhone, inviteUrl } from '../helpers/login.ts';
import { freePort, startTestScanin, type TestScanin } from '../helpers/scanin.ts';

describe('the web app and the vault under an issuer with a path', () => {
  let scanin: TestScanin;
  let phone: Authenticator;
  let origin: string;

  beforeAll(async () => {
    const port = await freePort();
    origin = `http://127.0.0.1:${port}`;
    scanin = await startTestScanin({ env: { PORT: String(port), ISSUER: `${origin}/sso` } });
    phone = await enrolledPhone(scanin, 'alice@example.com');
  });
  afterAll(async () => {
    await scanin?.close();
  });

  async function get(path: string) {
    const response = await request(`${origin}${path}`, { headers: { accept: 'text/html' } });
    return { status: response.statusCode, headers: response.headers, text: await response.body.text() };
  }

  it('serves the app at /sso/app/ (and sends /sso/app there), not outside the issuer', async () => {
    const bare = await get('/sso/app');
    expect(bare.status).toBe(301);
    expect(bare.headers.location).toBe('/sso/app/');
    const shell = await get('/sso/app/');
    expect(shell.status).toBe(200);
    expect(shell.headers['content-security-policy']).toContain("script-src 'self'");
    expect(shell.text).toContain('src="app.js"');
    const script = await get('/sso/app/app.js');
    expect(script.status).toBe(200);
    expect(script.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect((await get('/app/')).status).toBe(404);
    expect((await get('/sso/app/nothing.js')).status).toBe(404);
  });

  it('the /q/ and /e/ pages link into /sso/app/ with the full scanned URL', async () => {
    const rid = 'AAAAAAAAAAAAAAAAAAAAAA';
    const loginPage = await get(`/sso/q/${rid}`);
    expect(loginPage.text).toContain(`href="/sso/app/#/open/${encodeURIComponent(`${scanin.issuer}/q/${rid}`)}"`);
    const invite = await inviteUrl(scanin, 'bob@example.com');
    const enrollPage = await get(new URL(invite).pathname);
    expect(enrollPage.text).toContain(`href="/sso/app/#/open/${encodeURIComponent(invite)}"`);
  });

  it('the vault works with htu under the path', async () => {
    expect(await phone.writeVault(scanin.issuer, 'under /sso', 0)).toEqual({ version: 1 });
    expect((await phone.readVault(scanin.issuer)).text).toBe('under /sso');
  });
});
