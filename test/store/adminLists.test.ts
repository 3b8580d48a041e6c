// What the admin console lists, on both stores: accounts found by a search (LIKE with its
// wildcards taken literally, any case), in code-point order of email whatever the database's
// collation, a page at a time; the admin role; an account's memberships; groups and a group's
// members, in code-point order, a page at a time; every account's live
// sessions, the last used first; the audit log newest first from an offset.
import { describe, expect, it } from 'vitest';
import { listAudit, recordAudit } from '../../src/audit/audit.ts';
import { listSessions } from '../../src/oidc/sessions.ts';
import { createAccount, searchAccounts } from '../../src/store/accounts.ts';
import { grantAdmin, isAdmin, listAdmins, revokeAdmin } from '../../src/store/admins.ts';
import { addMember, createGroup, listGroups, listMembers, membershipsOf, subgroupsOf, topLevelGroups } from '../../src/store/groups.ts';
import { DATABASE_KINDS, useMigratedDatabase } from '../helpers/databases.ts';

describe.each(DATABASE_KINDS)('admin console lists on %s', (kind) => {
  const { db } = useMigratedDatabase(kind);
  const clock = () => 1_800_000_000;
  const all = { limit: 100, offset: 0 };

  it('finds accounts by part of the email or name in any case, or by sub; % and _ are literal', async () => {
    const emails = ['a-b@x.example', 'ab@x.example', 'a.c@x.example', 'Zed@x.example'.toLowerCase(), 'pct@x.example', 'und_er@x.example'];
    const ids: Record<string, string> = {};
    for (const email of emails) ids[email] = (await createAccount(db(), clock, { email, name: email === 'pct@x.example' ? '100% Sure' : `Name ${email}`, email_verified: false }))!.id;
    // Code-point order ("-" < "." < "b"), where an English collation would skip the punctuation.
    expect((await searchAccounts(db(), '', all)).map((a) => a.email)).toEqual(['a-b@x.example', 'a.c@x.example', 'ab@x.example', 'pct@x.example', 'und_er@x.example', 'zed@x.example']);
    expect((await searchAccounts(db(), 'SURE', all)).map((a) => a.email)).toEqual(['pct@x.example']);
    expect((await searchAccounts(db(), '%', all)).map((a) => a.email)).toEqual(['pct@x.example']);
    expect((await searchAccounts(db(), 'd_e', all)).map((a) => a.email)).toEqual(['und_er@x.example']);
    expect((await searchAccounts(db(), 'a_b', all)).map((a) => a.email)).toEqual([]);
    expect((await searchAccounts(db(), '\\', all)).map((a) => a.email)).toEqual([]);
    expect((await searchAccounts(db(), ids['ab@x.example']!, all)).map((a) => a.email)).toEqual(['ab@x.example']);
    expect((await searchAccounts(db(), '', { limit: 2, offset: 2 })).map((a) => a.email)).toEqual(['ab@x.example', 'pct@x.example']);
    const [first] = await searchAccounts(db(), 'a-b', all);
    expect(first).toMatchObject({ active_devices: 0, admin: false, email_verified: false, created_at: 1_800_000_000 });
  });

  it('grants and revokes the admin role once each', async () => {
    const account = (await createAccount(db(), clock, { email: 'boss@x.example', name: 'Boss', email_verified: true }))!;
    expect(await grantAdmin(db(), account.id, 5, 'cli')).toBe(true);
    expect(await grantAdmin(db(), account.id, 6, 'someone')).toBe(false);
    expect(await isAdmin(db(), account.id)).toBe(true);
    expect(await listAdmins(db())).toEqual([{ account_id: account.id, email: 'boss@x.example', name: 'Boss', granted_at: 5, granted_by: 'cli' }]);
    expect((await searchAccounts(db(), 'boss', all))[0]!.admin).toBe(true);
    expect(await revokeAdmin(db(), account.id)).toBe(true);
    expect(await revokeAdmin(db(), account.id)).toBe(false);
    expect(await isAdmin(db(), account.id)).toBe(false);
  });

  it("lists an account's memberships with parents and ends, expired ones too", async () => {
    const account = (await createAccount(db(), clock, { email: 'member@x.example', name: 'M', email_verified: false }))!;
    await createGroup(db(), 1, 'eng');
    const child = await createGroup(db(), 1, 'Backend', 'eng');
    const other = await createGroup(db(), 1, 'a-team');
    await addMember(db(), 10, child.id, account.id, null);
    await addMember(db(), 10, other.id, account.id, 20);
    expect(await membershipsOf(db(), account.id)).toEqual([
      { group_id: child.id, name: 'Backend', parent: 'eng', added_at: 10, expires_at: null },
      { group_id: other.id, name: 'a-team', parent: null, added_at: 10, expires_at: 20 },
    ]);
  });

  it('lists groups with their parent and members, and a group\'s members, in code-point order a page at a time', async () => {
    const ops = await createGroup(db(), 1, 'ops');
    const night = await createGroup(db(), 1, 'ops-night', 'ops');
    await createGroup(db(), 1, 'Ops.day', 'ops');
    const people = [];
    for (const email of ['z@ops.example', 'a.b@ops.example', 'a-b@ops.example']) {
      const account = (await createAccount(db(), clock, { email, name: email, email_verified: false }))!;
      people.push(account);
      await addMember(db(), 10, ops.id, account.id, email.startsWith('z') ? 20 : null);
    }
    await addMember(db(), 10, night.id, people[0]!.id, null);

    const groups = await listGroups(db());
    const names = groups.map((group) => group.name);
    expect(names).toEqual([...names].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
    expect(groups.find((group) => group.name === 'ops')).toMatchObject({ id: ops.id, parent: null, members: 3 });
    expect(groups.find((group) => group.name === 'ops-night')).toMatchObject({ parent: 'ops', members: 1 });
    expect(groups.find((group) => group.name === 'Ops.day')).toMatchObject({ parent: 'ops', members: 0 });
    expect(await listGroups(db(), { limit: 2, offset: 1 })).toEqual(groups.slice(1, 3));
    expect(await listGroups(db(), { limit: 2, offset: groups.length })).toEqual([]);
    expect((await topLevelGroups(db())).map((group) => group.name)).toEqual(groups.filter((group) => group.parent === null).map((group) => group.name));
    expect((await subgroupsOf(db(), ops.id)).map((group) => group.name)).toEqual(['Ops.day', 'ops-night']);

    // "-" < "." < "z"; the ended membership is still listed (until removed).
    expect((await listMembers(db(), ops.id)).map((member) => [member.email, member.expires_at])).toEqual([['a-b@ops.example', null], ['a.b@ops.example', null], ['z@ops.example', 20]]);
    expect((await listMembers(db(), ops.id, { limit: 1, offset: 1 })).map((member) => member.email)).toEqual(['a.b@ops.example']);
  });

  it("lists every account's live sessions, the last used first, a page at a time", async () => {
    const account = (await createAccount(db(), clock, { email: 'sessions@x.example', name: 'S', email_verified: false }))!;
    const session = (uid: string, expiresAt: number) => ({ model: 'Session', id: `id-${uid}`, uid, account_id: account.id, expires_at: expiresAt, payload: JSON.stringify({ uid, accountId: account.id, loginTs: expiresAt - 100, authorizations: { app: {} } }) });
    await db()('oidc_payloads').insert([session('old', clock() + 10), session('new', clock() + 500), session('gone', clock() - 1)]);
    const listed = await listSessions(db(), clock(), all);
    expect(listed.map((s) => s.uid)).toEqual(['new', 'old']);
    expect(listed[0]).toMatchObject({ email: 'sessions@x.example', account_id: account.id, clients: ['app'], login_at: clock() + 400 });
    expect((await listSessions(db(), clock(), { limit: 1, offset: 1 })).map((s) => s.uid)).toEqual(['old']);
  });

  it('lists the audit log newest first from an offset', async () => {
    let at = 100;
    const target = { db: db(), clock: () => at, config: { auditStdout: false } };
    for (const event of ['x.one', 'x.two', 'x.three']) {
      await recordAudit(target, { event });
      at += 1;
    }
    expect((await listAudit(db(), { event: 'x', newestFirst: true })).map((e) => e.event)).toEqual(['x.three', 'x.two', 'x.one']);
    expect((await listAudit(db(), { event: 'x', newestFirst: true, limit: 1, offset: 1 })).map((e) => e.event)).toEqual(['x.two']);
    expect((await listAudit(db(), { event: 'x', offset: 2 })).map((e) => e.event)).toEqual(['x.three']);
  });
});
