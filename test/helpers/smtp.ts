// A real SMTP server for tests (the smtp-server package) on a loopback port: it takes what
// Scanin sends and parses each message (mailparser) as a mail client would read it.
import type { AddressInfo } from 'node:net';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';

export type Received = { from: string; to: string[]; mail: ParsedMail };

export class TestSmtp {
  readonly received: Received[] = [];
  private server: SMTPServer | undefined;
  private waiters: Array<() => void> = [];
  port = 0;

  /** Listens on `port` (0: any free one); again after stop(), on the same port. */
  async start(port = this.port): Promise<this> {
    this.server = new SMTPServer({
      authOptional: true,
      // Plain SMTP on loopback: nodemailer would otherwise upgrade to TLS with a certificate it cannot check.
      disabledCommands: ['STARTTLS'],
      logger: false,
      onData: (stream, session, callback) => {
        simpleParser(stream).then((mail) => {
          this.received.push({ from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '', to: session.envelope.rcptTo.map((r) => r.address), mail });
          for (const wake of this.waiters.splice(0)) wake();
          callback();
        }, callback);
      },
    });
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(port, '127.0.0.1', () => resolve());
    });
    this.port = (this.server.server.address() as AddressInfo).port;
    return this;
  }

  get url(): string {
    return `smtp://127.0.0.1:${this.port}`;
  }

  /** Resolves with the first message to `to` that arrived or arrives (after `after` of them). */
  async next(to: string, after = 0): Promise<Received> {
    for (;;) {
      const found = this.received.filter((r) => r.to.includes(to))[after];
      if (found) return found;
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
