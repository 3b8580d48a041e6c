// A push service stand-in (RFC 8030) on a loopback port: it takes what Scanin POSTs to a
// subscription's endpoint, checks the VAPID authorization (RFC 8292) and decrypts the message
// (RFC 8291, aes128gcm) with the keys a browser would hold; `status` is what it answers
// (201, or 404/410 for a subscription it has forgotten). It speaks HTTPS, as every push service
// does, with a certificate made for 127.0.0.1 that this process's https agent is told to trust
// (as a machine trusts a real push service's CA).
import { execFileSync } from 'node:child_process';
import { createECDH, randomBytes, type ECDH } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { IncomingMessage, Server } from 'node:http';
import { createServer, globalAgent } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import ece from 'http_ece';
import { importJWK, jwtVerify } from 'jose';

export type Delivered = { path: string; headers: IncomingMessage['headers']; message: unknown; vapid: { aud: string; sub: string; exp: number; key: string } };

/** What a browser's PushManager keeps: its P-256 key pair and auth secret. */
export class BrowserSubscription {
  readonly ecdh: ECDH = createECDH('prime256v1');
  readonly auth = randomBytes(16);
  constructor(readonly endpoint: string) {
    this.ecdh.generateKeys();
  }
  toJSON() {
    return { endpoint: this.endpoint, expirationTime: null, keys: { p256dh: this.ecdh.getPublicKey('base64url'), auth: this.auth.toString('base64url') } };
  }
}

export class TestPushService {
  readonly delivered: Delivered[] = [];
  status = 201;
  private subscriptions = new Map<string, BrowserSubscription>();
  private waiters: Array<() => void> = [];
  private server: Server | undefined;
  origin = '';

  async start(): Promise<this> {
    const dir = mkdtempSync(join(tmpdir(), 'push-service-'));
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1',
      '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { stdio: 'ignore' });
    const [key, cert] = [readFileSync(join(dir, 'key.pem')), readFileSync(join(dir, 'cert.pem'))];
    rmSync(dir, { recursive: true, force: true });
    globalAgent.options.ca = [...[globalAgent.options.ca ?? []].flat(), cert];
    this.server = createServer({ key, cert }, (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        this.receive(req, Buffer.concat(chunks)).then(
          () => res.writeHead(this.status).end(),
          (error: Error) => res.writeHead(400).end(error.message),
        );
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.origin = `https://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  /** A new subscription at this service, as a browser's pushManager.subscribe() makes one. */
  subscribe(): BrowserSubscription {
    const subscription = new BrowserSubscription(`${this.origin}/push/${randomBytes(8).toString('hex')}`);
    this.subscriptions.set(new URL(subscription.endpoint).pathname, subscription);
    return subscription;
  }

  private async receive(req: IncomingMessage, body: Buffer): Promise<void> {
    const subscription = this.subscriptions.get(req.url ?? '');
    if (!subscription) throw new Error(`no subscription at ${req.url}`);
    const match = /^vapid t=([^,\s]+),\s*k=([A-Za-z0-9_-]+)$/.exec(req.headers.authorization ?? '');
    if (!match) throw new Error(`not a VAPID authorization: ${req.headers.authorization}`);
    const point = Buffer.from(match[2]!, 'base64url');
    const key = await importJWK({ kty: 'EC', crv: 'P-256', x: point.subarray(1, 33).toString('base64url'), y: point.subarray(33).toString('base64url') }, 'ES256');
    const { payload } = await jwtVerify(match[1]!, key, { algorithms: ['ES256'] });
    const message = JSON.parse(ece.decrypt(body, { version: 'aes128gcm', privateKey: subscription.ecdh, authSecret: subscription.auth }).toString('utf8')) as unknown;
    this.delivered.push({ path: req.url!, headers: req.headers, message, vapid: { aud: payload.aud as string, sub: payload.sub as string, exp: payload.exp!, key: match[2]! } });
    for (const wake of this.waiters.splice(0)) wake();
  }

  /** Resolves with the `n`-th message (from 0) to `subscription` once it arrived. */
  async next(subscription: BrowserSubscription, n = 0): Promise<Delivered> {
    const path = new URL(subscription.endpoint).pathname;
    for (;;) {
      const found = this.delivered.filter((d) => d.path === path)[n];
      if (found) return found;
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
  }

  close(): Promise<void> {
    return new Promise((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}
