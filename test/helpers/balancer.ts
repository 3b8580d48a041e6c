// A load balancer for tests on loopback: one public address (the issuer every instance is
// configured with) in front of several Scanin instances, with the test choosing per request
// which instance gets it, so a browser can wait on one while the phone talks to another.
import { Agent, createServer, request, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Returns the origin (http://127.0.0.1:port) of the instance that gets `req`. */
export type Route = (req: IncomingMessage) => string;

export class TestBalancer {
  /** Set by the test; may change at any time (e.g. once an instance is dead). */
  route: Route;
  /** Where each request went: `${origin} ${method} ${path}`. */
  readonly sent: string[] = [];
  readonly url: string;
  private readonly server: Server;
  // A fresh connection per request: a connection must not outlive the instance it went to.
  private readonly agent = new Agent({ keepAlive: false });

  private constructor(server: Server, route: Route) {
    this.server = server;
    this.route = route;
    this.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  static async start(route: Route): Promise<TestBalancer> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const balancer = new TestBalancer(server, route);
    server.on('request', (req, res) => {
      const origin = balancer.route(req);
      balancer.sent.push(`${origin} ${req.method} ${req.url!.split('?')[0]}`);
      const upstream = request(new URL(req.url!, origin), { method: req.method, headers: req.headers, agent: balancer.agent }, (answer) => {
        res.writeHead(answer.statusCode!, answer.headers);
        answer.pipe(res);
        // The instance died mid-answer (an event stream, say): the browser's connection ends too.
        answer.on('close', () => {
          if (!answer.complete) res.destroy();
        });
      });
      upstream.on('error', () => {
        // The instance died: a 502 if nothing was said yet, else the connection just ends.
        if (!res.headersSent) res.writeHead(502).end();
        else res.destroy();
      });
      res.on('close', () => upstream.destroy());
      req.pipe(upstream);
    });
    return balancer;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.agent.destroy();
  }
}

/** Device API calls go to `phoneSide`, everything else (the browser, the app) to `browserSide`. */
export function splitRoute(browserSide: () => string, phoneSide: () => string): Route {
  return (req) => (req.url!.startsWith('/device/') ? phoneSide() : browserSide());
}
