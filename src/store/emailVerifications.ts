// The links that confirm an account's email address (migrations/017_mail.ts), kept by the
// SHA-256 of their token.
import { createHash } from 'node:crypto';
import type { Db } from './db.ts';

const hashOf = (token: string) => createHash('sha256').update(token, 'ascii').digest('base64url');

export type EmailVerification = { account_id: string; email: string; expires_at: number; used_at: number | null };

export async function insertEmailVerification(db: Db, token: string, row: { account_id: string; email: string; created_at: number; expires_at: number }): Promise<void> {
  await db('email_verifications').insert({ token_hash: hashOf(token), ...row });
}

export async function findEmailVerification(db: Db, token: string): Promise<EmailVerification | undefined> {
  return (await db('email_verifications').where({ token_hash: hashOf(token) }).first('account_id', 'email', 'expires_at', 'used_at')) as EmailVerification | undefined;
}

/** Marks the link used, once: false when it was used (or ran out) first. */
export async function useEmailVerification(db: Db, token: string, now: number): Promise<boolean> {
  const changed = await db('email_verifications').where({ token_hash: hashOf(token), used_at: null }).andWhere('expires_at', '>', now).update({ used_at: now });
  return changed === 1;
}

export async function sweepEmailVerifications(db: Db, now: number): Promise<number> {
  return db('email_verifications').where('expires_at', '<=', now).delete();
}
