// Who administers Scanin (migration 027): the admin console's role. Granting and revoking are
// idempotent; the last administrator cannot be revoked from the console (adminUsers.ts), only from
// the command line, which needs no role.
import type { Db } from './db.ts';

export type Admin = { account_id: string; email: string; name: string; granted_at: number; granted_by: string };

export async function isAdmin(db: Db, accountId: string): Promise<boolean> {
  return (await db('admins').where({ account_id: accountId }).first('account_id')) !== undefined;
}

/** False when the account was an administrator already. */
export async function grantAdmin(db: Db, accountId: string, now: number, grantedBy: string): Promise<boolean> {
  const inserted = await db('admins').insert({ account_id: accountId, granted_at: now, granted_by: grantedBy }).onConflict('account_id').ignore().returning('account_id');
  return inserted.length === 1;
}

/** False when the account was not an administrator. */
export async function revokeAdmin(db: Db, accountId: string): Promise<boolean> {
  return (await db('admins').where({ account_id: accountId }).delete()) === 1;
}

export async function listAdmins(db: Db): Promise<Admin[]> {
  return db('admins')
    .join('accounts', 'accounts.id', 'admins.account_id')
    .orderBy('accounts.email')
    .select('admins.account_id', 'accounts.email', 'accounts.name', 'admins.granted_at', 'admins.granted_by');
}
