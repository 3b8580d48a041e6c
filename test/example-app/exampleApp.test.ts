// The README's walk-through, step 5: the example relying party, run as its own process, signs
// a person in through Scanin and shows the ID token it received.
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Authenticator } from '../../src/authenticator/authenticator.ts';
import { readLoginPage, TestBrowser } from '../helpers/browser.ts';
import { enrolledPhone } from '../helpers/login.ts';
import { startTestScanin, type TestScanin } from '../helpers/scanin.ts';

const EXAMPLE_APP = join(import.meta.dirname, '../../src/example-app/server.ts');

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
    probe.on('error', reject);
  });
}

function startExampleApp(port: number, issuer: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', EXAMPLE_APP], { env: { ...process.env, PORT: String(port), SCANIN_ISSUER: issuer }, stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((resolve, reject) => {
    let output = '';
    const collect = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('Example App on')) resolve(child);
    };
    child.stdout!.on('data', collect);
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('exit', (code) => reject(new Error(`the example app exited with ${code}:\n${output}`)));
  });
}

describe('the example app of the walk-through', () => {
  let scanin: TestScanin;
  let phone: Authenticator;
  let app: ChildProcess;
  let appUrl: string;

  beforeAll(async () => {
    const port = await freePort();
    appUrl = `http://localhost:${port}`;
    const clients = [{ client_id: 'example-app', client_name: 'Example App', first_party: true, token_endpoint_auth_method: 'none', redirect_uris: [`${appUrl}/callback`] }];
    scanin = await startTestScanin({ clients });
    phone = await enrolledPhone(scanin, 'you@example.com');
    app = await startExampleApp(port, scanin.issuer);
  });
  afterAll(async () => {
    app?.kill();
    await scanin?.close();
  });

  it('signs in by QR code and shows the ID token, with amr ["pop"]', async () => {
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
    expect(shown.body).toContain('&#34;amr&#34;: [\n    &#34;pop&#34;\n  ]');
    expect(shown.body).toContain('you@example.com');
  });
});
