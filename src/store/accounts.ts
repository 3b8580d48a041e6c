// People who can log in. `id` is the OIDC `sub`: random and stable, never the email.
import { newId } from '../ids.ts';
import type { Clock } from '../clock.ts';
import { byCodePoint, containsPattern, type Db, type ListWindow } from './db.ts';

export type Account = {
  id: string;
  email: string;
  /** Set by an administrator (or a verification step), never by the person signing up. */
  email_verified: boolean;
  name: string;
  created_at: number;
  disabled_at: number | null;
};

type AccountRow = Omit<Account, 'email_verified'> & { email_verified: boolean | number };

// SQLite gives booleans back as 0 and 1.
const fromRow = (row: AccountRow | undefined): Account | undefined => row && { ...row, email_verified: Boolean(row.email_verified) };

/** Every column of an account (the type says which: a new field must be added here too). */
const ACCOUNT_COLUMNS = Object.keys({ id: 0, email: 0, email_verified: 0, name: 0, created_at: 0, disabled_at: 0 } satisfies Record<keyof Account, 0>);

/**
 * An account read along with a row of another table (a join), its columns renamed `${prefix}…`
 * so that none collides with that table's own: the select list, and the account from the row
 * (undefined when the join found none).
 */
export const joinedAccount = {
  columns: (prefix: string): string[] => ACCOUNT_COLUMNS.map((column) => `accounts.${column} as ${prefix}${column}`),
  from(row: Record<string, unknown>, prefix: string): Account | undefined {
    if (row[`${prefix}id`] == null) return undefined;
    return fromRow(Object.fromEntries(ACCOUNT_COLUMNS.map((column) => [column, row[`${prefix}${column}`]])) as AccountRow);
  },
};

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** Lower-cases and checks an email address; returns null when it is not one. */
export function normalizeEmail(input: string): string | null {
  const email = input.trim().toLowerCase();
  return email.length <= 254 && EMAIL.test(email) ? email : null;
}

export async function findAccountById(db: Db, id: string): Promise<Account | undefined> {
  return fromRow(await db('accounts').where({ id }).first());
}

export async function findAccountByEmail(db: Db, email: string): Promise<Account | undefined> {
  return fromRow(await db('accounts').where({ email }).first());
}

export async function listAccounts(db: Db): Promise<Account[]> {
  const rows = (await db('accounts').orderBy('email')) as AccountRow[];
  return rows.map((row) => fromRow(row)!);
}

export type AccountListing = Account & { active_devices: number; admin: boolean };

/**
 * Accounts whose email or name contains `search` (any case of ASCII letters), or whose sub it is;
 * every account for ''. In email order, `window` rows from `offset` (the admin console's pages).
 */
export async function searchAccounts(db: Db, search: string, window: ListWindow): Promise<AccountListing[]> {
  let query = db('accounts')
    .select(
      'accounts.*',
      db.raw("(select count(*) from devices where devices.account_id = accounts.id and devices.status = 'active') as active_devices"),
      db.raw('(select count(*) from admins where admins.account_id = accounts.id) as admin'),
    )
    .orderByRaw(...byCodePoint(db, 'accounts.email'))
    .limit(window.limit)
    .offset(window.offset);
  if (search !== '') {
    const pattern = containsPattern(search.toLowerCase());
    query = query.where((q) => q.whereRaw("lower(accounts.email) like ? escape '\\'", [pattern]).orWhereRaw("lower(accounts.name) like ? escape '\\'", [pattern]).orWhere('accounts.id', search));
  }
  const rows = (await query) as Array<AccountRow & { active_devices: number | string; admin: number | string }>;
  return rows.map((row) => ({ ...fromRow(row)!, active_devices: Number(row.active_devices), admin: Number(row.admin) > 0 }));
}

/** The emails of the accounts among `ids` that exist, by id (a list that names accounts, for people). */
export async function emailsOf(db: Db, ids: readonly string[]): Promise<Map<string, string>> {
  const wanted = [...new Set(ids)];
  if (wanted.length === 0) return new Map();
  const rows = (await db('accounts').whereIn('id', wanted).select('id', 'email')) as Array<{ id: string; email: string }>;
  return new Map(rows.map((row) => [row.id, row.email]));
}

/** Creates an account; undefined when the email already belongs to one. */
export async function createAccount(db: Db, clock: Clock, fields: { email: string; name: string; email_verified: boolean }): Promise<Account | undefined> {
  const id = newId();
  await db('accounts').insert({ id, ...fields, created_at: clock() }).onConflict('email').ignore();
  const account = await findAccountByEmail(db, fields.email);
  return account?.id === id ? account : undefined;
}

/** Changes what an account shows; an email change keeps the `sub`. False when the email is taken. */
/** Marks the account's email verified if it still is `email`; false when it changed (or the account went). */
export async function markEmailVerified(db: Db, id: string, email: string): Promise<boolean> {
  return (await db('accounts').where({ id, email }).update({ email_verified: true })) === 1;
}

export async function updateAccount(db: Db, id: string, fields: Partial<Pick<Account, 'name' | 'email' | 'email_verified'>>): Promise<boolean> {
  if (fields.email) {
    const holder = await findAccountByEmail(db, fields.email);
    if (holder && holder.id !== id) return false;
  }
  try {
    return (await db('accounts').where({ id }).update(fields)) === 1;
  } catch (error) {
    // Another account took the email between the check and the update.
    if (fields.email && (await findAccountByEmail(db, fields.email))?.id !== id) return false;
    throw error;
  }
}

/** Returns the account with this email, creating it (with `name`) when there is none. */
export async function ensureAccount(db: Db, clock: Clock, email: string, name: string): Promise<Account> {
  await db('accounts')
    .insert({ id: newId(), email, name, created_at: clock() })
    .onConflict('email')
    .ignore();
  return (await findAccountByEmail(db, email))!;
}
