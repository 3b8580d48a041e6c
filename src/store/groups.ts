// Groups and their members (migration 025). A person's groups are those of their memberships that
// have not expired, with each one's parent: belonging to "backend" (in "engineering") is
// belonging to both. Names are what tokens carry (the `groups` claim), so they are checked here,
// once, for every caller: the CLI, and later the admin console and SCIM.
import { newId } from '../ids.ts';
import type { Knex } from 'knex';
import { byCodePoint, isPostgres, type Db, type ListWindow } from './db.ts';

export type Group = { id: string; name: string; parent_id: string | null; created_at: number };
export type Member = { account_id: string; email: string; name: string; added_at: number; expires_at: number | null };

export class GroupError extends Error {}

/**
 * What RPs match on (oauth2-proxy's --allowed-group, Grafana's role_attribute_path): 1 to 64
 * letters, digits, ".", "_", "-" and spaces, the spaces inside ("Tour Guides", as directories
 * name groups). No comma: a statement joins a person's groups with commas (groupNamesSql).
 */
export function groupNameProblem(name: string): string | null {
  return /^[A-Za-z0-9](?:[A-Za-z0-9._ -]{0,62}[A-Za-z0-9._-])?$/.test(name) ? null : `a group name is 1 to 64 letters, digits, ".", "_", "-" or spaces, starting with a letter or digit and not ending with a space; got ${JSON.stringify(name)}`;
}

export async function findGroupByName(db: Db, name: string): Promise<Group | undefined> {
  return db('groups').where({ name }).first();
}

export async function findGroupById(db: Db, id: string): Promise<Group | undefined> {
  return db('groups').where({ id }).first();
}

export async function requireGroup(db: Db, name: string): Promise<Group> {
  const group = await findGroupByName(db, name);
  if (!group) throw new GroupError(`no group named "${name}" (scanin groups list shows them)`);
  return group;
}

/** `parent`: an existing top-level group (one level of nesting). */
export async function createGroup(db: Db, now: number, name: string, parent?: string): Promise<Group> {
  const problem = groupNameProblem(name);
  if (problem) throw new GroupError(problem);
  return db.transaction(async (trx) => {
    if (await findGroupByName(trx, name)) throw new GroupError(`a group named "${name}" exists already`);
    let parentId: string | null = null;
    if (parent !== undefined) {
      const parentGroup = await requireGroup(trx, parent);
      if (parentGroup.parent_id !== null) throw new GroupError(`"${parent}" is itself in a group: groups nest one level only`);
      parentId = parentGroup.id;
    }
    const group: Group = { id: newId(), name, parent_id: parentId, created_at: now };
    await trx('groups').insert(group);
    return group;
  });
}

/** Deletes a group and its memberships; refused while subgroups are in it. */
export async function deleteGroup(db: Db, name: string): Promise<void> {
  await db.transaction(async (trx) => {
    const group = await requireGroup(trx, name);
    const children = (await trx('groups').where({ parent_id: group.id }).pluck('name')) as string[];
    if (children.length) throw new GroupError(`"${name}" still has subgroups (${children.join(', ')}): delete or move them first`);
    await trx('group_members').where({ group_id: group.id }).delete();
    await trx('groups').where({ id: group.id }).delete();
  });
}

/** Renames a group (tokens carry the new name from their next issue on). */
export async function renameGroup(db: Db, groupId: string, name: string): Promise<void> {
  const problem = groupNameProblem(name);
  if (problem) throw new GroupError(problem);
  const holder = await findGroupByName(db, name);
  if (holder && holder.id !== groupId) throw new GroupError(`a group named "${name}" exists already`);
  await db('groups').where({ id: groupId }).update({ name });
}

/**
 * Makes `accountIds` the group's members, in one transaction: those already in keep their
 * membership (and its end), the others join until removed, the rest leave. Returns who joined and who left.
 */
export async function setMembers(db: Db, now: number, groupId: string, accountIds: readonly string[]): Promise<{ added: string[]; removed: string[] }> {
  return db.transaction(async (trx) => {
    const current = new Set((await trx('group_members').where({ group_id: groupId }).pluck('account_id')) as string[]);
    const wanted = new Set(accountIds);
    const added = [...wanted].filter((id) => !current.has(id));
    const removed = [...current].filter((id) => !wanted.has(id));
    if (removed.length) await trx('group_members').where({ group_id: groupId }).whereIn('account_id', removed).delete();
    if (added.length) await trx('group_members').insert(added.map((account_id) => ({ group_id: groupId, account_id, added_at: now, expires_at: null })));
    return { added, removed };
  });
}

export type GroupListing = Group & { parent: string | null; members: number };

/** Groups by name, each with its parent's name and its count of members (ended memberships included); all, or a window of them. */
export async function listGroups(db: Db, window?: ListWindow): Promise<GroupListing[]> {
  let query = db('groups')
    .leftJoin('groups as parents', 'parents.id', 'groups.parent_id')
    .select('groups.*', 'parents.name as parent', db.raw('(select count(*) from group_members where group_members.group_id = groups.id) as members'))
    .orderByRaw(...byCodePoint(db, 'groups.name'));
  if (window) query = query.limit(window.limit).offset(window.offset);
  const rows = (await query) as Array<Group & { parent: string | null; members: number | string }>;
  return rows.map((row) => ({ ...row, parent: row.parent ?? null, members: Number(row.members) }));
}

/** The groups that may be a parent (one level of nesting): those without one, by name. */
export async function topLevelGroups(db: Db): Promise<Group[]> {
  return db('groups').whereNull('parent_id').orderByRaw(...byCodePoint(db, 'name'));
}

export async function subgroupsOf(db: Db, groupId: string): Promise<Group[]> {
  return db('groups').where({ parent_id: groupId }).orderByRaw(...byCodePoint(db, 'name'));
}

/** Adds or renews a membership; `expiresAt` null: until removed. */
export async function addMember(db: Db, now: number, groupId: string, accountId: string, expiresAt: number | null): Promise<void> {
  if (expiresAt !== null && expiresAt <= now) throw new GroupError('the membership would end before it starts: give a time in the future');
  await db('group_members').insert({ group_id: groupId, account_id: accountId, added_at: now, expires_at: expiresAt }).onConflict(['group_id', 'account_id']).merge(['added_at', 'expires_at']);
}

/** False when the account was not a member. */
export async function removeMember(db: Db, groupId: string, accountId: string): Promise<boolean> {
  return (await db('group_members').where({ group_id: groupId, account_id: accountId }).delete()) > 0;
}

/** A group's direct members by email, ended memberships included; all, or a window of them. */
export async function listMembers(db: Db, groupId: string, window?: ListWindow): Promise<Member[]> {
  let query = db('group_members')
    .join('accounts', 'accounts.id', 'group_members.account_id')
    .where({ group_id: groupId })
    .select('group_members.account_id', 'accounts.email', 'accounts.name', 'group_members.added_at', 'group_members.expires_at')
    .orderByRaw(...byCodePoint(db, 'accounts.email'));
  if (window) query = query.limit(window.limit).offset(window.offset);
  const rows = (await query) as Member[];
  return rows.map((row) => ({ ...row, added_at: Number(row.added_at), expires_at: row.expires_at === null ? null : Number(row.expires_at) }));
}

export type Membership = { group_id: string; name: string; parent: string | null; added_at: number; expires_at: number | null };

/** The groups an account is a direct member of, expired memberships included (until removed). */
export async function membershipsOf(db: Db, accountId: string): Promise<Membership[]> {
  const rows = (await db('group_members')
    .join('groups', 'groups.id', 'group_members.group_id')
    .leftJoin('groups as parents', 'parents.id', 'groups.parent_id')
    .where({ 'group_members.account_id': accountId })
    .select('group_members.group_id', 'groups.name', 'parents.name as parent', 'group_members.added_at', 'group_members.expires_at')
    .orderByRaw(...byCodePoint(db, 'groups.name'))) as Membership[];
  return rows.map((row) => ({ ...row, added_at: Number(row.added_at), expires_at: row.expires_at === null ? null : Number(row.expires_at) }));
}

/**
 * The groups an account is in at `now`, parents included, as one SQL expression: each membership
 * still running gives its group's name, followed by its parent's, all joined by commas (group
 * names have none). `account` is `??` (a column of the statement it sits in: the token endpoint
 * reads them with the code or token it redeems, oidc/adapter.ts) or `?` (an account id).
 */
function groupNamesSql(db: Db, account: '??' | '?'): string {
  const joined = isPostgres(db) ? 'string_agg' : 'group_concat';
  return `(select ${joined}(g.name || coalesce(',' || p.name, ''), ',') from group_members m join groups g on g.id = m.group_id left join groups p on p.id = g.parent_id where m.account_id = ${account} and (m.expires_at is null or m.expires_at > ?))`;
}

/** The groups of the account in `accountColumn`, as the column `alias` of a select (read it with groupsFromColumn). */
export function groupsColumn(db: Db, accountColumn: string, now: number, alias: string): Knex.Raw {
  return db.raw(`${groupNamesSql(db, '??')} as ??`, [accountColumn, now, alias]);
}

/** The sorted names of a groupsColumn's value. */
export function groupsFromColumn(value: unknown): string[] {
  return typeof value === 'string' ? [...new Set(value.split(','))].sort() : [];
}

/**
 * The names of the groups `accountId` is in at `now`, parents included, sorted: one statement
 * (the token endpoint asks this for every token with the groups scope).
 */
export async function groupsOf(db: Db, accountId: string, now: number): Promise<string[]> {
  const row = (await db.select(db.raw(`${groupNamesSql(db, '?')} as names`, [accountId, now])).first()) as { names: unknown } | undefined;
  return groupsFromColumn(row?.names);
}
