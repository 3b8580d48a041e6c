// The shipped nginx configuration (deploy/nginx/scanin.conf), run by Debian's real nginx with a
// certificate made here, in front of a real Scanin: a QR login over HTTPS end to end through it —
// the relying party (openid-client), the browser and its event stream, the phone (the reference
// authenticator) — with the approval reaching the waiting stream while it is open (an nginx that
// buffered it would hold it back until the stream closed), Secure cookies because nginx said
// https, and the client's own address (not nginx's) where Scanin shows and records it. The test
// changes only the lines the file marks CHANGE, the listen addresses and the certificate paths.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { Agent, getGlobalDispatcher, setGlobalDispatcher } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Authenticator } from '../../src/authenticator/authenticator.ts';
import { listAudit } from '../../src/audit/audit.ts';
import { TestBrowser } from '../helpers/browser.ts';
import { enrolledPhone, openEvents, openLoginPage, completeLogin } from '../helpers/login.ts';
import { authorizationRequest, discover, redeem } from '../helpers/rp.ts';
import { freePort, startTestScanin, testDir, type TestScanin } from '../helpers/scanin.ts';

const NGINX = process.env.NGINX_PATH ?? '/usr/sbin/nginx';
const ROOT = join(import.meta.dirname, '../..');
// Every client of this test (browser, phone, relying party) connects from this loopback address;
// nginx reaches Scanin from 127.0.0.1, the one proxy Scanin trusts.
const CLIENT_ADDRESS = '127.0.0.3';

/** deploy/nginx/scanin.conf with the test's ports and certificate; each change must find its line. */
function configFor(scaninPort: number, httpsPort: number, httpPort: number, dir: string): string {
  let text = readFileSync(join(ROOT, 'deploy/nginx/scanin.conf'), 'utf8');
  const change = (pattern: RegExp, replacement: string) => {
    expect(text, `deploy/nginx/scanin.conf has a line matching ${pattern}`).toMatch(pattern);
    text = text.replace(pattern, replacement);
  };
  change(/server 127\.0\.0\.1:3000;/, `server 127.0.0.1:${scaninPort};`);
  change(/listen 80;/, `listen 127.0.0.1:${httpPort};`);
  change(/listen \[::\]:80;\n/, '');
  change(/listen 443 ssl http2;/, `listen 127.0.0.1:${httpsPort} ssl http2;`);
  change(/listen \[::\]:443 ssl http2;\n/, '');
  change(/server_name id\.example\.com;(.*)\n([\s\S]*?)server_name id\.example\.com;/, 'server_name 127.0.0.1;$1\n$2server_name 127.0.0.1;');
  change(/ssl_certificate +\/etc\/ssl\/certs\/id\.example\.com\.pem;/, `ssl_certificate ${join(dir, 'cert.pem')};`);
  change(/ssl_certificate_key \/etc\/ssl\/private\/id\.example\.com\.key;/, `ssl_certificate_key ${join(dir, 'key.pem')};`);
  return text;
}

async function listening(port: number): Promise<void> {
  for (;;) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1', () => resolve(socket.end() && true)).on('error', () => resolve(false));
    });
    if (open) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('a QR login through nginx over HTTPS (deploy/nginx/scanin.conf)', () => {
  const dir = testDir();
  let nginx: ChildProcess;
  let scanin: TestScanin;
  let issuer: string;
  let httpPort: number;
  const previousDispatcher = getGlobalDispatcher();

  beforeAll(async () => {
    if (!existsSync(NGINX)) throw new Error(`no nginx at ${NGINX}: apt-get install nginx (Debian's package), or set NGINX_PATH`);
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1',
      '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { stdio: 'ignore' });
    // The clients trust the certificate (as phones and browsers trust a real CA) and come from CLIENT_ADDRESS.
    setGlobalDispatcher(new Agent({ localAddress: CLIENT_ADDRESS, connect: { ca: readFileSync(join(dir, 'cert.pem'), 'utf8') } }));
    const [scaninPort, httpsPort] = [await freePort(), await freePort()];
    httpPort = await freePort();
    issuer = `https://127.0.0.1:${httpsPort}`;
    scanin = await startTestScanin({ dir, env: { PORT: String(scaninPort), ISSUER: issuer, TRUST_PROXY: '127.0.0.1' } });
    writeFileSync(join(dir, 'scanin.conf'), configFor(scaninPort, httpsPort, httpPort, dir));
    for (const temp of ['body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']) mkdirSync(join(dir, temp));
    writeFileSync(join(dir, 'nginx.conf'), [
      'daemon off;', 'worker_processes 1;', `pid ${join(dir, 'nginx.pid')};`, `error_log ${join(dir, 'error.log')} warn;`,
      ...(process.getuid?.() === 0 ? ['user root;'] : []),
      'events { worker_connections 256; }',
      `http { access_log ${join(dir, 'access.log')}; client_body_temp_path ${join(dir, 'body')}; proxy_temp_path ${join(dir, 'proxy')};`,
      `  fastcgi_temp_path ${join(dir, 'fastcgi')}; uwsgi_temp_path ${join(dir, 'uwsgi')}; scgi_temp_path ${join(dir, 'scgi')};`,
      `  include ${join(dir, 'scanin.conf')}; }`,
    ].join('\n'));
    nginx = spawn(NGINX, ['-p', dir, '-c', join(dir, 'nginx.conf')], { stdio: ['ignore', 'ignore', 'pipe'] });
    let failed = '';
    nginx.stderr!.on('data', (chunk: Buffer) => (failed += chunk.toString()));
    await Promise.race([listening(httpsPort), new Promise((_, reject) => nginx.on('exit', (code) => reject(new Error(`nginx exited (${code}): ${failed}`))))]);
  });
  afterAll(async () => {
    nginx?.kill('SIGTERM');
    await scanin?.close();
    setGlobalDispatcher(previousDispatcher);
  });

  it('signs in end to end: discovery, the QR page, its event stream, the phone, the tokens, all over https', async () => {
    const config = await discover(issuer);
    expect(config.serverMetadata().issuer).toBe(issuer);
    const phone: Authenticator = await enrolledPhone(scanin, 'ana@example.com', 'ana.json');
    const login = await openLoginPage(config);
    expect(login.qrUrl).toBe(`${issuer}/q/${login.rid}`);
    const events = await openEvents(login);

    const request = await phone.fetchLoginRequest(login.qrUrl);
    // Scanin saw the browser's address, not nginx's.
    expect(request.browser).toMatchObject({ ip: CLIENT_ADDRESS });
    expect((await events.next()).type).toBe('scanned');
    expect((await phone.answerRequest(request, 'approve')).status).toBe('approved');
    // While the stream is still open: an nginx buffering it would not have passed this on yet.
    const approved = await events.next();
    expect(approved).toMatchObject({ type: 'approved', data: { complete_url: `/interaction/${login.uid}/complete`, account: 'Test Person <ana@example.com>' } });
    events.close();

    const tokens = await redeem(config, await completeLogin(scanin, login), login.auth);
    expect(tokens.claims()).toMatchObject({ iss: issuer, email: 'ana@example.com', amr: ['pop'] });
    const approval = (await listAudit(scanin.services.db)).find((entry) => entry.event === 'login.approved')!;
    expect(approval.ip).toBe(CLIENT_ADDRESS);
  });

  it('marks cookies Secure because nginx says the browser used https, and sends plain http to https', async () => {
    const config = await discover(issuer);
    const start = await new TestBrowser().fetch((await authorizationRequest(config)).url);
    const cookies = [start.headers['set-cookie'] ?? []].flat();
    expect(cookies.length).toBeGreaterThan(0);
    for (const cookie of cookies) expect(cookie.toLowerCase()).toContain('; secure');
    const plain = await fetch(`http://127.0.0.1:${httpPort}/.well-known/openid-configuration`, { redirect: 'manual' });
    expect(plain.status).toBe(301);
    expect(plain.headers.get('location')).toMatch(/^https:\/\/127\.0\.0\.1\/\.well-known\/openid-configuration$/);
  });
});
