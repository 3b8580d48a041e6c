// Sending what the outbox holds (store/mailOutbox.ts). Whoever queues a message tries it at once
// (a command line too, so that an operator sees whether an invite left); every server instance
// sends what is due every few seconds, so a message queued while the SMTP server was down, or by
// a command that stopped, still goes, tried again at 2, 4, 8 s … up to hourly for about six hours.
import type { Clock } from '../clock.ts';
import type { Logger } from '../log/logger.ts';
import type { Db } from '../store/db.ts';
import { claimDueMail, forgetMail, type QueuedMail } from '../store/mailOutbox.ts';
import { MAX_ATTEMPTS, retryDelay } from '../store/outbox.ts';
import type { Mailer } from './mailer.ts';

/** How often each instance sends what is due (queued by a command line, or failed before). */
export const MAIL_DELIVERY_INTERVAL_MS = 5_000;

export type MailTarget = { db: Db; clock: Clock; mailer: Mailer; log: Pick<Logger, 'warn' | 'error'> };

/** Whether it left; a failure is logged, and the message kept for later unless it was the last attempt. */
async function send(target: MailTarget, mail: QueuedMail): Promise<boolean> {
  try {
    await target.mailer.send(mail);
  } catch (error) {
    const last = mail.attempts >= MAX_ATTEMPTS;
    target.log[last ? 'error' : 'warn']({ err: error, mail_id: mail.id, to: mail.to, attempts: mail.attempts }, last ? 'mail not sent; given up' : 'mail not sent; will try again');
    if (last) await forgetMail(target.db, mail.id);
    return false;
  }
  await forgetMail(target.db, mail.id);
  return true;
}

/**
 * Sends the messages due now (only `ids`, when given), this process's claim on each; returns how
 * many left and how many did not. Never rejects: what is not sent now is sent later.
 */
export async function deliverMail(target: MailTarget, ids?: number[]): Promise<{ sent: number; failed: number }> {
  const result = { sent: 0, failed: 0 };
  try {
    for (;;) {
      const now = target.clock();
      const batch = await claimDueMail(target.db, { now, limit: 20, retryAt: (attempts) => now + retryDelay(attempts), ...(ids ? { ids } : {}) });
      if (!batch.length) return result;
      for (const ok of await Promise.all(batch.map((mail) => send(target, mail)))) result[ok ? 'sent' : 'failed'] += 1;
    }
  } catch (error) {
    target.log.error({ err: error }, 'mail delivery failed');
    return result;
  }
}
