// Groups and memberships on SQLite and PostgreSQL: names checked, one level of nesting, a
// membership counted until it expires, a parent with subgroups kept, and refusals change nothing.
import { describe, expect, it } from 'vitest';
import { ensureAccount } from '../../src/store/accounts.ts';
import { addMember, createGroup, deleteGroup, groupsColumn, groupsFromColumn, groupsOf, listGroups, listMembers, removeMember } from '../../src/store/groups.ts';
import { DATABASE_KINDS, useMigratedDatabase } from '../helpers/databases.ts';

const NOW = 1_800_000_000;

describe.each(DATABASE_KINDS)('groups on %s', (kind) => {
  const { db } = useMigratedDatabase(kind);

  it('counts a membership and its parent until it expires, and lists members', async () => {
    const account = await ensureAccount(db(), () => NOW, 'mo@example.com', 'Mo');
    await createGroup(db(), NOW, 'ops');
    const oncall = await createGroup(db(), NOW, 'oncall', 'ops');
    await addMember(db(), NOW, oncall.id, account.id, NOW + 60);
    expect(await groupsOf(db(), account.id, NOW + 59)).toEqual(['oncall', 'ops']);
    expect(await groupsOf(db(), account.id, NOW + 60)).toEqual([]);
    expect(await listMembers(db(), oncall.id)).toEqual([{ account_id: account.id, email: 'mo@example.com', name: 'Mo', added_at: NOW, expires_at: NOW + 60 }]);
    // Renewed: the same membership, now without an end.
    await addMember(db(), NOW + 100, oncall.id, account.id, null);
    expect(await groupsOf(db(), account.id, NOW + 10_000)).toEqual(['oncall', 'ops']);
    expect(await removeMember(db(), oncall.id, account.id)).toBe(true);
    expect(await removeMember(db(), oncall.id, account.id)).toBe(false);
  });

  it("reads the same groups as a column of a statement about the account's rows, each name once", async () => {
    const [lu, nobody] = [await ensureAccount(db(), () => NOW, 'lu@example.com', 'Lu'), await ensureAccount(db(), () => NOW, 'no@example.com', 'No')];
    const eng = await createGroup(db(), NOW, 'eng');
    const web = await createGroup(db(), NOW, 'web', 'eng');
    const ended = await createGroup(db(), NOW, 'ended');
    const guides = await createGroup(db(), NOW, 'Tour Guides', 'eng');
    await addMember(db(), NOW, guides.id, lu.id, null);
    // In a subgroup and in its parent too: "eng" once.
    await addMember(db(), NOW, web.id, lu.id, null);
    await addMember(db(), NOW, eng.id, lu.id, NOW + 60);
    await addMember(db(), NOW, ended.id, lu.id, NOW + 1);
    const read = async (id: string, now: number) => {
      const row = (await db()('accounts').where('accounts.id', id).first(groupsColumn(db(), 'accounts.id', now, 'names'))) as { names: unknown };
      return groupsFromColumn(row.names);
    };
    expect(await read(lu.id, NOW + 10)).toEqual(['Tour Guides', 'eng', 'web']);
    expect(await read(lu.id, NOW + 10)).toEqual(await groupsOf(db(), lu.id, NOW + 10));
    expect(await read(lu.id, NOW)).toEqual(['Tour Guides', 'ended', 'eng', 'web']);
    expect(await read(nobody.id, NOW)).toEqual([]);
    expect(await groupsOf(db(), nobody.id, NOW)).toEqual([]);
  });

  it('refuses bad names, a taken name, two levels, an end in the past, and deleting a parent with subgroups', async () => {
    const account = await ensureAccount(db(), () => NOW, 'ro@example.com', 'Ro');
    await expect(createGroup(db(), NOW, 'has,comma')).rejects.toThrow('a group name is 1 to 64');
    await expect(createGroup(db(), NOW, 'trailing ')).rejects.toThrow('not ending with a space');
    await expect(createGroup(db(), NOW, '')).rejects.toThrow('a group name');
    const top = await createGroup(db(), NOW, 'top');
    await expect(createGroup(db(), NOW, 'top')).rejects.toThrow('exists already');
    await createGroup(db(), NOW, 'middle', 'top');
    await expect(createGroup(db(), NOW, 'bottom', 'middle')).rejects.toThrow('nest one level only');
    await expect(createGroup(db(), NOW, 'orphan', 'nowhere')).rejects.toThrow('no group named "nowhere"');
    await expect(addMember(db(), NOW, top.id, account.id, NOW)).rejects.toThrow('end before it starts');
    await expect(deleteGroup(db(), 'top')).rejects.toThrow('still has subgroups (middle)');
    expect((await listGroups(db())).map((group) => group.name)).toEqual(expect.arrayContaining(['top', 'middle']));
    expect((await listGroups(db())).map((group) => group.name)).not.toContain('bottom');
    await deleteGroup(db(), 'middle');
    await deleteGroup(db(), 'top');
    expect((await listGroups(db())).map((group) => group.name)).not.toContain('top');
  });
});
