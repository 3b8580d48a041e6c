// The account a browser remembers (migrations/014_remembered_accounts.ts) and the sign-ins whose
// person chose "Use another account". The browser holds only a random token; the database holds
// its SHA-256, so neither a copy of the table nor a guess gives a usable cookie.
import { createHash } from 'node:crypto';
import type { Db } from './db.ts';

const hashOf = (token: string) => createHash('sha256').update(token, 'ascii').digest('base64url');

/**
 * Remembers `accountId` for the browser holding `token` until `expiresAt`, unless the account has
 * since been deleted or disabled: then nothing is stored, and false says so. `replacing`: the
 * token the browser held until now, forgotten in the same statement (its row takes the new token).
 */
export async function rememberBrowser(db: Db, token: string, accountId: string, now: number, expiresAt: number, replacing?: string): Promise<boolean> {
  const row = { token_hash: hashOf(token), account_id: accountId, created_at: now, expires_at: expiresAt };
  const usable = db('accounts').where({ id: accountId }).whereNull('disabled_at').select(db.raw('1'));
  if (replacing && (await db('remembered_browsers').where({ token_hash: hashOf(replacing) }).whereExists(usable).update(row)) === 1) return true;
  // Raw: knex builds no INSERT … SELECT with named columns. The casts are for PostgreSQL, which
  // would take the bare parameters of a select list as text.
  const result = (await db.raw(
    'INSERT INTO remembered_browsers (token_hash, account_id, created_at, expires_at) SELECT ?, ?, CAST(? AS BIGINT), CAST(? AS BIGINT) WHERE EXISTS ? RETURNING token_hash',
    [row.token_hash, accountId, now, expiresAt, usable],
  )) as unknown[] | { rows: unknown[] };
  return (Array.isArray(result) ? result : result.rows).length === 1;
}

/** The account remembered for `token`, while it lasts. */
export async function rememberedAccountId(db: Db, token: string, now: number): Promise<string | undefined> {
  const row = (await db('remembered_browsers').where({ token_hash: hashOf(token) }).andWhere('expires_at', '>', now).first('account_id')) as
    | { account_id: string }
    | undefined;
  return row?.account_id;
}

export async function forgetBrowser(db: Db, token: string): Promise<void> {
  await db('remembered_browsers').where({ token_hash: hashOf(token) }).delete();
}

/** The person at the browser chose "Use another account" for this sign-in (idempotent). */
export async function chooseAnyAccount(db: Db, uid: string, expiresAt: number): Promise<void> {
  await db('any_account_sign_ins').insert({ uid, expires_at: expiresAt }).onConflict('uid').ignore();
}

export async function anyAccountChosen(db: Db, uid: string): Promise<boolean> {
  return (await db('any_account_sign_ins').where({ uid }).first('uid')) !== undefined;
}

/** Removes memories and choices whose time has passed. */
export async function sweepRememberedBrowsers(db: Db, now: number): Promise<number> {
  const browsers = await db('remembered_browsers').where('expires_at', '<=', now).delete();
  return browsers + (await db('any_account_sign_ins').where('expires_at', '<=', now).delete());
}
