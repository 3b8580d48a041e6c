// Where mail leaves Scanin (SMTP_URL): an SMTP server through nodemailer, or, in development,
// the log (SMTP_URL=log), so that invite links and verification links can be read there.
import nodemailer from 'nodemailer';
import type { MailConfig } from '../config/env.ts';
import type { Logger } from '../log/logger.ts';
import type { Mail } from '../store/mailOutbox.ts';

export type Mailer = {
  /** Rejects when the message was not accepted (the SMTP server refused it or could not be reached). */
  send(mail: Mail): Promise<void>;
  close(): void;
};

/** `undefined` with SMTP_URL off: nothing is queued, nothing is sent. */
export function openMailer(config: MailConfig, log: Pick<Logger, 'info'>): Mailer | undefined {
  if (config.transport === 'off') return undefined;
  if (config.transport === 'log') {
    return {
      async send(mail) {
        log.info({ mail: { from: config.from, to: mail.to, subject: mail.subject, text: mail.text } }, 'mail (SMTP_URL=log: logged, not sent)');
      },
      close() {},
    };
  }
  // Short timeouts: a message that cannot go now stays in the outbox and is tried again, so
  // nothing is gained by holding a command or a delivery round for minutes.
  const transport = nodemailer.createTransport(config.url, { from: config.from, connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 20_000 } as object);
  return {
    async send(mail) {
      await transport.sendMail({ to: mail.to, subject: mail.subject, text: mail.text, html: mail.html });
    },
    close() {
      transport.close();
    },
  };
}
