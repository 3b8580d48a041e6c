// Loopback ports for tests that must name a port before something listens on it.
import { createServer, type AddressInfo } from 'node:net';

/** A loopback port free right now (nothing listens on it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
