// Messages waiting to be sent (migrations/017_mail.ts): queued where their cause is recorded,
// claimed and forgotten as every outbox is (outbox.ts).
import type { Db } from './db.ts';
import { claimDue, forgetSent } from './outbox.ts';

export type Mail = { to: string; subject: string; text: string; html: string };
export type QueuedMail = Mail & { id: number; attempts: number };

/** Due at once; returns the row's id, so that whoever queued it may try to send it at once. */
export async function queueMail(db: Db, mail: Mail, now: number): Promise<number> {
  const [row] = (await db('mail_outbox')
    .insert({ to_address: mail.to, subject: mail.subject, text: mail.text, html: mail.html, created_at: now, attempts: 0, next_attempt_at: 0 })
    .returning('id')) as Array<{ id: number } | number>;
  return typeof row === 'object' ? row.id : row!;
}

type Row = { id: number; attempts: number; to_address: string; subject: string; text: string; html: string };

export async function claimDueMail(db: Db, claim: { now: number; limit: number; retryAt: (attempts: number) => number; ids?: number[] }): Promise<QueuedMail[]> {
  const rows = await claimDue<Row>(db, 'mail_outbox', ['id', 'attempts', 'to_address', 'subject', 'text', 'html'], claim);
  return rows.map(({ to_address, ...rest }) => ({ ...rest, to: to_address }));
}

export function forgetMail(db: Db, id: number): Promise<void> {
  return forgetSent(db, 'mail_outbox', id);
}

export async function pendingMailCount(db: Db): Promise<number> {
  const row = (await db('mail_outbox').count({ n: '*' }).first()) as { n: number | string };
  return Number(row.n);
}
