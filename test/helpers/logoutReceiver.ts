// A relying party's back-channel logout endpoint on loopback, for tests of logout tokens.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A relying party's back-channel logout endpoint: records each logout token it is sent. */
export class LogoutReceiver {
  readonly tokens: Array<{ path: string; token: string }> = [];
  private readonly server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      this.tokens.push({ path: req.url ?? '', token: new URLSearchParams(body).get('logout_token') ?? '' });
      res.writeHead(200).end();
    });
  });
  url = '';

  async start(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
