// Renaming a group renames it where the apps kept in the database name it (`allowed_groups`,
// `roles`), in the same transaction: an access rule and a role follow the group, instead of
// keeping everyone out or giving the role to no one from the next request on. The apps of
// clients.json cannot be changed here; those that name the old name are returned, for the caller
// to say so. Used by the admin console and SCIM (a directory renames a group with its displayName).
import type { Db } from '../store/db.ts';
import { renameGroup } from '../store/groups.ts';
import { listRegisteredClients, replaceRegisteredClient, type ClientMetadataRow } from '../store/registeredClients.ts';
import type { RoleMap } from './accessRules.ts';
import { readClientsFile } from './clients.ts';

export type GroupRename = { apps: string[]; fileApps: string[] };

const named = (list: unknown, name: string) => Array.isArray(list) && list.includes(name);

function namesGroup(metadata: Record<string, unknown>, name: string): boolean {
  const roles = metadata.roles;
  return named(metadata.allowed_groups, name) || (typeof roles === 'object' && roles !== null && Object.values(roles).some((groups) => named(groups, name)));
}

function renamedIn(metadata: ClientMetadataRow, from: string, to: string): ClientMetadataRow {
  const swap = (groups: string[]) => groups.map((group) => (group === from ? to : group));
  const { allowed_groups: allowed, roles } = metadata as { allowed_groups?: string[]; roles?: RoleMap };
  return {
    ...metadata,
    ...(allowed ? { allowed_groups: swap(allowed) } : {}),
    ...(roles ? { roles: Object.fromEntries(Object.entries(roles).map(([role, groups]) => [role, swap(groups)])) } : {}),
  };
}

/** Renames group `groupId` from `from` to `to` (GroupError when the name is refused), and the apps that name it. */
export async function renameGroupWithApps(db: Db, clientsFile: string, groupId: string, from: string, to: string): Promise<GroupRename> {
  const apps = await db.transaction(async (trx) => {
    await renameGroup(trx, groupId, to);
    const naming = (await listRegisteredClients(trx)).filter((client) => namesGroup(client, from));
    for (const client of naming) await replaceRegisteredClient(trx, renamedIn(client, from, to));
    return naming.map((client) => client.client_id);
  });
  const fileApps = readClientsFile(clientsFile).filter((client) => namesGroup(client as Record<string, unknown>, from)).map((client) => String(client.client_id));
  return { apps, fileApps };
}
