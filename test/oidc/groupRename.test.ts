// Renaming a group renames it in the apps kept in the database that name it (access rule and
// roles), in one transaction, on both stores; apps that do not name it are left as they were; the
// apps of clients.json that name it are reported, not changed; a refused name changes nothing.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { renameGroupWithApps } from '../../src/oidc/groupRename.ts';
import { createGroup, findGroupById, GroupError } from '../../src/store/groups.ts';
import { findRegisteredClient, insertRegisteredClient } from '../../src/store/registeredClients.ts';
import { DATABASE_KINDS, useMigratedDatabase } from '../helpers/databases.ts';

const clientsFile = join(mkdtempSync(join(tmpdir(), 'scanin-rename-')), 'clients.json');
writeFileSync(clientsFile, JSON.stringify([
  { client_id: 'file-rule', token_endpoint_auth_method: 'none', redirect_uris: ['https://a.example/cb'], allowed_groups: ['ops'] },
  { client_id: 'file-role', token_endpoint_auth_method: 'none', redirect_uris: ['https://a.example/cb'], roles: { admin: ['ops'] } },
  { client_id: 'file-other', token_endpoint_auth_method: 'none', redirect_uris: ['https://a.example/cb'], allowed_groups: ['opsy'] },
]));

describe.each(DATABASE_KINDS)('renaming a group with its apps on %s', (kind) => {
  const { db } = useMigratedDatabase(kind);

  it('renames it in the access rules and roles of the apps that name it, and reports those of clients.json', async () => {
    const ops = await createGroup(db(), 1, 'ops');
    await createGroup(db(), 1, 'dev');
    await insertRegisteredClient(db(), { client_id: 'both', redirect_uris: ['https://b.example/cb'], allowed_groups: ['dev', 'ops'], roles: { admin: ['ops'], dev: ['dev'] } });
    await insertRegisteredClient(db(), { client_id: 'roles-only', redirect_uris: ['https://b.example/cb'], roles: { viewer: ['dev', 'ops'] } });
    const untouched = { client_id: 'other', redirect_uris: ['https://b.example/cb'], allowed_groups: ['dev'], roles: { x: ['opsy'] } };
    await insertRegisteredClient(db(), untouched);

    expect(await renameGroupWithApps(db(), clientsFile, ops.id, 'ops', 'operations')).toEqual({ apps: ['both', 'roles-only'], fileApps: ['file-rule', 'file-role'] });
    expect((await findGroupById(db(), ops.id))!.name).toBe('operations');
    expect(await findRegisteredClient(db(), 'both')).toMatchObject({ allowed_groups: ['dev', 'operations'], roles: { admin: ['operations'], dev: ['dev'] } });
    expect(await findRegisteredClient(db(), 'roles-only')).toMatchObject({ roles: { viewer: ['dev', 'operations'] } });
    expect(await findRegisteredClient(db(), 'roles-only')).not.toHaveProperty('allowed_groups');
    expect(await findRegisteredClient(db(), 'other')).toEqual(untouched);
  });

  it('changes nothing when the new name is refused', async () => {
    const qa = await createGroup(db(), 1, 'qa');
    await insertRegisteredClient(db(), { client_id: 'qa-app', redirect_uris: ['https://b.example/cb'], allowed_groups: ['qa'] });
    await expect(renameGroupWithApps(db(), clientsFile, qa.id, 'qa', 'dev')).rejects.toThrow(GroupError);
    await expect(renameGroupWithApps(db(), clientsFile, qa.id, 'qa', 'q,a')).rejects.toThrow(GroupError);
    expect((await findGroupById(db(), qa.id))!.name).toBe('qa');
    expect(await findRegisteredClient(db(), 'qa-app')).toMatchObject({ allowed_groups: ['qa'] });
  });
});
