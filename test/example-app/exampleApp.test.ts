// The README's walk-through, step 5: the example relying party, run as its own process (started
// before Scanin, as people do), signs a person in through Scanin and shows the ID token's claims
// and the userinfo answer.
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
    const clients = [{ client_id: 'example-app', client_name: 'Example App', first_party: true, token_endpoint_auth_method: 'none', redirect_uris: [`${appUrl}/callback`] }];
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
});
