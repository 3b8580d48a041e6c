// A relying party's back-channel logout endpoint on loopback, for tests of logout tokens.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A relying party's back-channel logout endpoint: records each logout token it is sent. */
export class LogoutReceiver {
  readonly tokens: Array<{ path: string; token: string }> = [];
  /** How many of the next logout tokens to refuse with a 503, as an app that is down would. */
  refuse = 0;
  /** Logout tokens refused so far. */
  refused = 0;
  private readonly server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      if (this.refuse > 0) {
        this.refuse -= 1;
        this.refused += 1;
        res.writeHead(503).end();
        return;
      }
      this.tokens.push({ path: req.url ?? '', token: new URLSearchParams(body).get('logout_token') ?? '' });
      res.writeHead(200).end();
    });
  });
  url = '';

  async start(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** Waits until `count` logout tokens have arrived (or `timeoutMs` passed). */
  async received(count: number, timeoutMs = 15_000): Promise<void> {
    const until = Date.now() + timeoutMs;
    while (this.tokens.length < count && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 50));
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
