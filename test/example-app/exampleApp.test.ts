// The README's walk-through, step 5: the example relying party, run as its own process (started
// before Scanin, as people do), signs a person in through Scanin and shows the ID token's claims
// and the userinfo answer; shows the error Scanin sent, with its description; and signs out.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Authenticator } from '../../src/authenticator/authenticator.ts';
import { readLoginPage, TestBrowser } from '../helpers/browser.ts';
import { enrolledPhone } from '../helpers/login.ts';
import { freePort, startTestScanin, type TestScanin } from '../helpers/scanin.ts';

const EXAMPLE_APP = join(import.meta.dirname, '../../src/example-app/server.ts');

/** The example app as its own process, with only its own variables (and a PORT it must ignore). */
function spawnExampleApp(port: number, issuer: string): { child: ChildProcess; output: () => string; said: (text: string) => Promise<void> } {
  const env = { ...process.env, PORT: '1', EXAMPLE_APP_PORT: String(port), EXAMPLE_APP_ISSUER: issuer };
  const child = spawn(process.execPath, ['--import', 'tsx', EXAMPLE_APP], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  /** Resolves once the app has printed `text`; rejects if it exits first. */
  const said = (text: string) => new Promise<void>((resolve, reject) => {
    const check = () => {
      if (!output.includes(text)) return;
      child.stdout!.off('data', check);
      resolve();
    };
    child.stdout!.on('data', check);
    child.once('exit', (code) => reject(new Error(`the example app exited with ${code}:\n${output}`)));
    check();
  });
  return { child, output: () => output, said };
}

describe('the example app of the walk-through', () => {
  let scanin: TestScanin;
  let phone: Authenticator;
  let app: ChildProcess;
  let appUrl: string;

  beforeAll(async () => {
    const [port, scaninPort] = [await freePort(), await freePort()];
    appUrl = `http://localhost:${port}`;
    // Started before Scanin: it says it is waiting, and retries.
    const example = spawnExampleApp(port, `http://127.0.0.1:${scaninPort}`);
    app = example.child;
    await example.said(`Waiting for Scanin at http://127.0.0.1:${scaninPort} (ECONNREFUSED); retrying in 2 s (attempt 1).`);
    const clients = [{ client_id: 'example-app', client_name: 'Example App', first_party: true, token_endpoint_auth_method: 'none', redirect_uris: [`${appUrl}/callback`], post_logout_redirect_uris: [`${appUrl}/`] }];
    scanin = await startTestScanin({ clients, env: { PORT: String(scaninPort) } });
    phone = await enrolledPhone(scanin, 'you@example.com');
    await example.said('Example App on');
    expect(example.output()).not.toMatch(/\n\s+at /); // no stack trace
  });
  afterAll(async () => {
    app?.kill();
    await scanin?.close();
  });

  it('signs in by QR code and shows the ID token\'s claims, with amr ["pop"], and the userinfo answer', async () => {
    const browser = new TestBrowser();
    const toScanin = await browser.fetch(`${appUrl}/login`);
    expect(toScanin.status).toBe(303);
    const { page } = await browser.follow(toScanin.location!, scanin.issuer);
    const { qrUrl } = readLoginPage(page.body);
    await phone.answer(qrUrl, 'approve');

    const { leftTo } = await browser.follow(`${page.url}/complete`, scanin.issuer);
    expect(leftTo).toMatch(new RegExp(`^${appUrl}/callback\\?code=`));
    const shown = await browser.fetch(leftTo!);
    expect(shown.status).toBe(200);
    expect(shown.body).toContain('Signed in as Test Person');
    const shownJson = (id: string) => JSON.parse(new RegExp(`<pre id="${id}">([^<]*)</pre>`).exec(shown.body)![1]!.replace(/&#34;/g, '"')) as Record<string, unknown>;
    const claims = shownJson('id-token-claims');
    expect(claims).toMatchObject({ iss: scanin.issuer, aud: 'example-app', amr: ['pop'], email: 'you@example.com' });
    expect(shownJson('userinfo')).toEqual({ sub: claims.sub, email: 'you@example.com', email_verified: false, name: 'Test Person', preferred_username: 'you@example.com' });
  });

  /** A new browser at the app's /login, the phone's answer, and the app's page it comes back to. */
  async function signInThroughApp(decision: 'approve' | 'deny') {
    const browser = new TestBrowser();
    const toScanin = await browser.fetch(`${appUrl}/login`);
    const { page } = await browser.follow(toScanin.location!, scanin.issuer);
    await phone.answer(readLoginPage(page.body).qrUrl, decision);
    const { leftTo } = await browser.follow(`${page.url}/complete`, scanin.issuer);
    return { browser, shown: await browser.fetch(leftTo!) };
  }

  it('shows the error and error_description Scanin sent back, escaped', async () => {
    const { browser, shown } = await signInThroughApp('deny');
    expect(shown.status).toBe(400);
    expect(shown.body).toContain('<dd id="error">access_denied</dd>');
    expect(shown.body).toContain('<dd id="error-description">The sign-in was denied on the phone.</dd>');

    // What the app shows comes from the URL, so it is escaped: an answer carrying markup stays text.
    const started = await browser.fetch(`${appUrl}/login`);
    const state = new URL(started.location!).searchParams.get('state')!;
    const forged = await browser.fetch(`${appUrl}/callback?error=access_denied&error_description=${encodeURIComponent('<script>alert(1)</script>')}&state=${state}&iss=${encodeURIComponent(scanin.issuer)}`);
    expect(forged.body).toContain('<dd id="error-description">&#60;script&#62;alert(1)&#60;/script&#62;</dd>');
    expect(forged.body).not.toContain('<script>');
  });

  it('signs out: Scanin\'s end_session with id_token_hint and post_logout_redirect_uri, back to the app, and the Scanin session is over', async () => {
    const { browser, shown: signedIn } = await signInThroughApp('approve');
    expect(signedIn.body).toContain('<a class="button" href="/logout" id="sign-out">Sign out</a>');
    expect((await browser.fetch(`${appUrl}/`)).body).toContain('id="sign-out"');

    const toLogout = await browser.fetch(`${appUrl}/logout`);
    expect(toLogout.status).toBe(303);
    const endSession = new URL(toLogout.location!);
    expect(endSession.origin + endSession.pathname).toBe(`${scanin.issuer}/session/end`);
    expect(endSession.searchParams.get('post_logout_redirect_uri')).toBe(`${appUrl}/`);
    expect(endSession.searchParams.get('id_token_hint')).toMatch(/^ey[\w-]+\.[\w-]+\.[\w-]+$/);

    const ask = await browser.fetch(toLogout.location!);
    expect(ask.body).toContain('Example App asked to sign you out.');
    const xsrf = /name="xsrf" value="([^"]+)"/.exec(ask.body)![1]!;
    const confirmed = await browser.fetch(`${scanin.issuer}/session/end/confirm`, { method: 'POST', form: { xsrf, logout: 'yes' } });
    expect(confirmed.status).toBe(303);
    expect(confirmed.location).toBe(`${appUrl}/`);
    // Signed out of the app too: no Sign out link, and signing in again asks for the phone.
    expect((await browser.fetch(confirmed.location!)).body).not.toContain('id="sign-out"');
    const again = await browser.follow((await browser.fetch(`${appUrl}/login`)).location!, scanin.issuer);
    expect(again.leftTo).toBeUndefined();
    expect(again.page.body).toContain('id="qr"');
  });
});
