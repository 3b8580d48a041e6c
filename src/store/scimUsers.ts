// What a SCIM directory knows an account by (migrations/018_scim.ts), read with the account.
import type { Db } from './db.ts';
import { joinedAccount, type Account } from './accounts.ts';

export type ScimUser = { account: Account; userName: string; externalId: string | null; updatedAt: number };
export type ScimUserFilter = { userName?: string; externalId?: string; email?: string; id?: string };

const ACCOUNT = 'a_';

function fromRow(row: Record<string, unknown>): ScimUser {
  return { account: joinedAccount.from(row, ACCOUNT)!, userName: row.user_name as string, externalId: (row.external_id as string | null) ?? null, updatedAt: Number(row.updated_at) };
}

function selectUsers(db: Db, filter: ScimUserFilter) {
  const query = db('scim_users').join('accounts', 'accounts.id', 'scim_users.account_id').select('scim_users.user_name', 'scim_users.external_id', 'scim_users.updated_at', ...joinedAccount.columns(ACCOUNT));
  if (filter.id !== undefined) query.where('accounts.id', filter.id);
  if (filter.userName !== undefined) query.where('scim_users.user_name_key', filter.userName.toLowerCase());
  if (filter.externalId !== undefined) query.where('scim_users.external_id', filter.externalId);
  if (filter.email !== undefined) query.where('accounts.email', filter.email.toLowerCase());
  return query;
}

/** One page (`offset`, `limit`) of the users `filter` selects, oldest first, and how many it selects in all. */
export async function listScimUsers(db: Db, filter: ScimUserFilter, offset: number, limit: number): Promise<{ total: number; users: ScimUser[] }> {
  const [count] = (await selectUsers(db, filter).clearSelect().count({ n: '*' })) as Array<{ n: number | string }>;
  const rows = limit === 0 ? [] : ((await selectUsers(db, filter).orderBy([{ column: 'accounts.created_at' }, { column: 'accounts.id' }]).offset(offset).limit(limit)) as Array<Record<string, unknown>>);
  return { total: Number(count!.n), users: rows.map(fromRow) };
}

export async function findScimUser(db: Db, accountId: string): Promise<ScimUser | undefined> {
  const row = (await selectUsers(db, { id: accountId }).first()) as Record<string, unknown> | undefined;
  return row && fromRow(row);
}

export async function findScimUserName(db: Db, userName: string): Promise<string | undefined> {
  const row = (await db('scim_users').where({ user_name_key: userName.toLowerCase() }).first('account_id')) as { account_id: string } | undefined;
  return row?.account_id;
}

export async function putScimUser(db: Db, accountId: string, fields: { userName: string; externalId: string | null; updatedAt: number }): Promise<void> {
  await db('scim_users')
    .insert({ account_id: accountId, user_name: fields.userName, user_name_key: fields.userName.toLowerCase(), external_id: fields.externalId, updated_at: fields.updatedAt })
    .onConflict('account_id')
    .merge();
}
