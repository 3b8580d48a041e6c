// Stopping an instance (SIGTERM in `scanin serve`, close() here) is graceful: it accepts no new
// connection, tells each waiting browser's event stream to reconnect (behind a load balancer,
// to another instance), and lets a request already under way finish before it closes.
import { connect } from 'node:net';
import { describe, expect, it } from 'vitest';
import { findLoginRequest } from '../../src/store/loginRequests.ts';
import { startTestScanin } from '../helpers/scanin.ts';
import { enrollDevice, loginAssertion, requestPath, startDeviceTestScanin, waitingLogin } from '../helpers/device.ts';

/** Connects to `port`; resolves with the error code if the connection is refused. */
function tryConnect(port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.on('connect', () => {
      socket.destroy();
      resolve('connected');
    });
    socket.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? 'error'));
  });
}

describe('stopping an instance', () => {
  it('refuses new connections, asks waiting browsers to reconnect, and finishes the answer a phone is sending', async () => {
    const scanin = await startDeviceTestScanin({ NUMBER_MATCHING: 'false' });
    const phone = await enrollDevice(scanin, 'alice@example.com');
    const login = await waitingLogin(scanin);

    // The phone's answer is under way: headers and half its body sent.
    const body = JSON.stringify({ assertion: loginAssertion(scanin, phone, login) });
    const socket = connect(scanin.port, '127.0.0.1');
    let answer = '';
    socket.on('data', (chunk: Buffer) => (answer += chunk.toString()));
    const answered = new Promise<void>((resolve) => socket.on('close', () => resolve()));
    socket.write(`POST ${requestPath(login.rid)} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`);
    socket.write(body.slice(0, body.length >> 1));
    await new Promise((resolve) => setTimeout(resolve, 100));

    const stopped = scanin.close();
    expect(await login.events.next()).toEqual({ type: 'reconnect', data: {} });
    await expect(login.events.next()).rejects.toThrow('the event stream ended');
    expect(await tryConnect(scanin.port)).toBe('ECONNREFUSED');

    // The rest of the body (not a half-close: an HTTP server drops a request whose client hangs
    // up); the server closes the connection after answering.
    socket.write(body.slice(body.length >> 1));
    await answered;
    expect(answer).toMatch(/^HTTP\/1\.1 200 /);
    expect(answer).toContain('{"status":"approved"}');
    await stopped;

    const reopened = await startTestScanin({ dir: scanin.dir });
    expect((await findLoginRequest(reopened.services.db, login.rid))?.status).toBe('approved');
    await reopened.close();
  });
});
