// People who can log in. `id` is the OIDC `sub`: random and stable, never the email.
import { newId } from '../ids.ts';
import type { Clock } from '../clock.ts';
import type { Db } from './db.ts';

export type Account = { id: string; email: string; name: string; created_at: number; disabled_at: number | null };

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** Lower-cases and checks an email address; returns null when it is not one. */
export function normalizeEmail(input: string): string | null {
  const email = input.trim().toLowerCase();
  return email.length <= 254 && EMAIL.test(email) ? email : null;
}

export async function findAccountById(db: Db, id: string): Promise<Account | undefined> {
  return db('accounts').where({ id }).first();
}

export async function findAccountByEmail(db: Db, email: string): Promise<Account | undefined> {
  return db('accounts').where({ email }).first();
}

export async function listAccounts(db: Db): Promise<Account[]> {
  return db('accounts').orderBy('email');
}

/** Returns the account with this email, creating it (with `name`) when there is none. */
export async function ensureAccount(db: Db, clock: Clock, email: string, name: string): Promise<Account> {
  await db('accounts')
    .insert({ id: newId(), email, name, created_at: clock() })
    .onConflict('email')
    .ignore();
  return (await findAccountByEmail(db, email))!;
}
