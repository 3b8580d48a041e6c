// Groups as a SCIM directory sees them (migrations/026_scim_groups.ts): every group, with what a
// directory knows it by and its members. A group the CLI made shows too, without an externalId.
import type { Db } from './db.ts';
import type { Group } from './groups.ts';

export type ScimGroupMember = { id: string; email: string };
export type ScimGroup = { group: Group; externalId: string | null; updatedAt: number; members: ScimGroupMember[] };
export type ScimGroupFilter = { displayName?: string; externalId?: string; id?: string };

function selectGroups(db: Db, filter: ScimGroupFilter) {
  const query = db('groups').leftJoin('scim_groups', 'scim_groups.group_id', 'groups.id').select('groups.*', 'scim_groups.external_id', 'scim_groups.updated_at');
  if (filter.id !== undefined) query.where('groups.id', filter.id);
  if (filter.displayName !== undefined) query.where('groups.name', filter.displayName);
  if (filter.externalId !== undefined) query.where('scim_groups.external_id', filter.externalId);
  return query;
}

type Row = Group & { external_id: string | null; updated_at: number | string | null };

/** The members of each group, read in one statement, oldest membership first. */
async function membersOf(db: Db, groupIds: string[]): Promise<Map<string, ScimGroupMember[]>> {
  const members = new Map<string, ScimGroupMember[]>(groupIds.map((id) => [id, []]));
  if (!groupIds.length) return members;
  const rows = (await db('group_members')
    .join('accounts', 'accounts.id', 'group_members.account_id')
    .whereIn('group_members.group_id', groupIds)
    .orderBy([{ column: 'group_members.added_at' }, { column: 'accounts.email' }])
    .select('group_members.group_id', 'accounts.id', 'accounts.email')) as Array<{ group_id: string; id: string; email: string }>;
  for (const row of rows) members.get(row.group_id)!.push({ id: row.id, email: row.email });
  return members;
}

function fromRows(rows: Row[], members: Map<string, ScimGroupMember[]>): ScimGroup[] {
  return rows.map(({ external_id, updated_at, ...group }) => ({
    group: { ...group, created_at: Number(group.created_at) },
    externalId: external_id ?? null,
    updatedAt: updated_at === null ? Number(group.created_at) : Number(updated_at),
    members: members.get(group.id) ?? [],
  }));
}

/** One page of the groups `filter` selects, by name, and how many it selects in all; `withMembers` false: members left empty (excludedAttributes=members). */
export async function listScimGroups(db: Db, filter: ScimGroupFilter, offset: number, limit: number, withMembers = true): Promise<{ total: number; groups: ScimGroup[] }> {
  const [count] = (await selectGroups(db, filter).clearSelect().count({ n: '*' })) as Array<{ n: number | string }>;
  const rows = limit === 0 ? [] : ((await selectGroups(db, filter).orderBy([{ column: 'groups.name' }]).offset(offset).limit(limit)) as Row[]);
  const members = withMembers ? await membersOf(db, rows.map((row) => row.id)) : new Map<string, ScimGroupMember[]>();
  return { total: Number(count!.n), groups: fromRows(rows, members) };
}

export async function findScimGroup(db: Db, groupId: string): Promise<ScimGroup | undefined> {
  const rows = (await selectGroups(db, { id: groupId })) as Row[];
  return fromRows(rows, await membersOf(db, rows.map((row) => row.id)))[0];
}

export async function putScimGroup(db: Db, groupId: string, fields: { externalId: string | null; updatedAt: number }): Promise<void> {
  await db('scim_groups').insert({ group_id: groupId, external_id: fields.externalId, updated_at: fields.updatedAt }).onConflict('group_id').merge();
}
