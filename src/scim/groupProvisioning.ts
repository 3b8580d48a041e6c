// What a directory's SCIM requests do to groups (store/groups.ts): a new Group is a group, its
// members join it until removed; a PUT or PATCH renames it and makes its members exactly those
// given (a membership the CLI made time-boxed keeps its end while it stays); DELETE removes it
// and its memberships. Members are accounts, named by their `sub` (a SCIM User's id). A change
// reaches tokens from their next issue, and access rules (oidc/accessRules.ts) at once. Each
// change is in the audit log (`scim.group_created`, `scim.group_updated`, `scim.group_deleted`).
import { recordAudit } from '../audit/audit.ts';
import type { Services } from '../services.ts';
import { renameGroupWithApps } from '../oidc/groupRename.ts';
import { createGroup, deleteGroup, GroupError, setMembers } from '../store/groups.ts';
import { findScimGroup, putScimGroup, type ScimGroup } from '../store/scimGroups.ts';
import { invalidValue, resourceNotFound, ScimError, uniqueness } from './errors.ts';
import type { GroupInput } from './groupResource.ts';

/** Refuses, before anything changes, members that are no account. */
async function checkMembers(services: Services, ids: string[]): Promise<void> {
  const found = new Set<string>();
  for (let i = 0; i < ids.length; i += 500) {
    for (const id of (await services.db('accounts').whereIn('id', ids.slice(i, i + 500)).pluck('id')) as string[]) found.add(id);
  }
  const missing = ids.find((id) => !found.has(id));
  if (missing !== undefined) throw invalidValue(`members: no User has the id ${JSON.stringify(missing)}`);
}

/** A name taken, or not a group name: the store's refusal as SCIM's. */
function asScimError(error: unknown): never {
  if (error instanceof GroupError) throw error.message.includes('exists already') ? uniqueness(error.message) : invalidValue(error.message);
  throw error;
}

export async function requireScimGroup(services: Services, id: string): Promise<ScimGroup> {
  const group = await findScimGroup(services.db, id);
  if (!group) throw resourceNotFound(`Group ${id}`);
  return group;
}

/** The group as a PATCH starts from. */
export function groupInput(group: ScimGroup): GroupInput {
  return { displayName: group.group.name, externalId: group.externalId, members: group.members.map((member) => member.id) };
}

export async function createScimGroup(services: Services, input: GroupInput, ip: string | null): Promise<ScimGroup> {
  const { db, clock } = services;
  await checkMembers(services, input.members);
  const group = await createGroup(db, clock(), input.displayName).catch(asScimError);
  await putScimGroup(db, group.id, { externalId: input.externalId, updatedAt: clock() });
  await setMembers(db, clock(), group.id, input.members);
  await recordAudit(services, { event: 'scim.group_created', ip, detail: { group: input.displayName, members: input.members.length } });
  return (await findScimGroup(db, group.id))!;
}

/** PUT, and PATCH once applied. */
export async function replaceScimGroup(services: Services, current: ScimGroup, input: GroupInput, ip: string | null): Promise<ScimGroup> {
  const { db, clock } = services;
  const { id } = current.group;
  await checkMembers(services, input.members);
  const renamed = input.displayName !== current.group.name
    ? await renameGroupWithApps(db, services.config.clientsFile, id, current.group.name, input.displayName).catch(asScimError)
    : null;
  await putScimGroup(db, id, { externalId: input.externalId, updatedAt: clock() });
  const { added, removed } = await setMembers(db, clock(), id, input.members);
  await recordAudit(services, { event: 'scim.group_updated', ip, detail: { group: input.displayName, ...(renamed ? { was: current.group.name, apps: renamed.apps.join(' '), file_apps: renamed.fileApps.join(' ') } : {}), added: added.length, removed: removed.length } });
  return (await findScimGroup(db, id))!;
}

export async function deleteScimGroup(services: Services, group: ScimGroup, ip: string | null): Promise<void> {
  await deleteGroup(services.db, group.group.name).catch((error: unknown) => {
    // A parent with subgroups (made with the CLI): the directory must not take them with it.
    if (error instanceof GroupError) throw new ScimError(409, undefined, error.message);
    throw error;
  });
  await recordAudit(services, { event: 'scim.group_deleted', ip, detail: { group: group.group.name, members: group.members.length } });
}
