// The console's groups: what tokens carry in `groups` and what access rules (allowed_groups) and
// client roles are made of.
//   GET  /admin/groups                       the groups a page at a time, with parent and members; a form to make one
//   POST /admin/groups/create                name, parent (a top-level group's id, optional)
//   GET  /admin/groups/:id                   its members a page at a time (with their ends), subgroups; rename, delete
//   POST /admin/groups/:id/members/add       email, until (a date, optional)
//   POST /admin/groups/:id/members/remove    account_id
//   POST /admin/groups/:id/rename            name
//   POST /admin/groups/:id/delete            refused while subgroups are in it
import type Router from '@koa/router';
import type { Context } from 'koa';
import { doneMessage } from '../http/doneMessage.ts';
import type { Services } from '../services.ts';
import { findAccountByEmail, normalizeEmail } from '../store/accounts.ts';
import { createGroup, deleteGroup, findGroupById, GroupError, listGroups, listMembers, removeMember, subgroupsOf, topLevelGroups, type Group } from '../store/groups.ts';
import { formField } from '../accountPage/accountSession.ts';
import { renameGroupWithApps } from '../oidc/groupRename.ts';
import { adminAction, adminFormOf, adminPage, auditConsole, backTo, namedInPath, notFoundHere, refusedBecause, renderAdminView } from './adminSession.ts';
import { addMembershipFromConsole } from './consoleMembership.ts';
import { timeOf } from './adminView.ts';
import { pageNumber, pageOf, pageWindow } from './pagination.ts';

const DONE = {
  created: 'The group was made.',
  renamed: 'The group was renamed, and with it in the access rules and roles of the apps kept here: tokens carry the new name from their next issue on.',
  renamed_but_file: 'The group was renamed, and with it in the apps kept here; apps of clients.json still name the old name (their access rules and roles no longer match it): change the file and restart.',
  deleted: 'The group was deleted with its memberships.',
  member_added: 'The member was added.',
  member_removed: 'The member was removed.',
};

const groupPath = (id: string) => `/admin/groups/${id}`;

const groupOf = (ctx: Context, services: Services): Promise<Group> => namedInPath(ctx, (id) => findGroupById(services.db, id), 'group');

/** A GroupError (a name, a parent, subgroups) as a refusal that says why. */
async function groupChange<T>(change: () => Promise<T>): Promise<T> {
  try {
    return await change();
  } catch (error) {
    if (error instanceof GroupError) throw refusedBecause(error.message);
    throw error;
  }
}

export function mountAdminGroups(router: Router, services: Services): void {
  const { db, clock } = services;
  const onGroup = (anchor: string) => adminAction(services, (ctx) => groupPath(String(ctx.params.id ?? '')) + anchor);

  router.get('/admin/groups', ...adminPage(services), async (ctx) => {
    const number = pageNumber(ctx);
    await renderAdminView(ctx, 'admin-groups', 'groups', {
      page: pageOf(await listGroups(db, pageWindow(number)), number, `${services.basePath}/admin/groups`, {}),
      topLevel: await topLevelGroups(db),
      done: doneMessage(ctx, DONE),
    });
  });

  router.post('/admin/groups/create', ...adminAction(services, '/admin/groups#create'), async (ctx) => {
    const form = adminFormOf(ctx);
    const name = formField(form, 'name', 64).trim();
    const parent = form.parent ? await findGroupById(db, form.parent) : undefined;
    if (form.parent && !parent) throw notFoundHere('parent group');
    const group = await groupChange(() => createGroup(db, clock(), name, parent?.name));
    await auditConsole(ctx, services, { event: 'admin.group_created', detail: { group: group.name, parent: parent?.name ?? null } });
    backTo(ctx, services, `${groupPath(group.id)}?done=created`);
  });

  router.get('/admin/groups/:id', ...adminPage(services), async (ctx) => {
    const group = await groupOf(ctx, services);
    const now = clock();
    const number = pageNumber(ctx);
    const members = (await listMembers(db, group.id, pageWindow(number))).map((member) => ({ ...member, expired: member.expires_at !== null && member.expires_at <= now }));
    await renderAdminView(ctx, 'admin-group', 'groups', {
      group,
      parent: group.parent_id ? ((await findGroupById(db, group.parent_id)) ?? null) : null,
      subgroups: await subgroupsOf(db, group.id),
      page: pageOf(members, number, `${services.basePath}${groupPath(group.id)}`, {}),
      time: (at: number | null) => timeOf(at, now),
      done: doneMessage(ctx, DONE),
    });
  });

  router.post('/admin/groups/:id/members/add', ...onGroup('#members'), async (ctx) => {
    const group = await groupOf(ctx, services);
    const form = adminFormOf(ctx);
    const email = normalizeEmail(formField(form, 'email', 254));
    const account = email ? await findAccountByEmail(db, email) : undefined;
    if (!account) throw notFoundHere('account with this email');
    await addMembershipFromConsole(ctx, services, group, account, form);
    backTo(ctx, services, `${groupPath(group.id)}?done=member_added#members`);
  });

  router.post('/admin/groups/:id/members/remove', ...onGroup('#members'), async (ctx) => {
    const group = await groupOf(ctx, services);
    const accountId = formField(adminFormOf(ctx), 'account_id');
    if (!(await removeMember(db, group.id, accountId))) throw notFoundHere('member of this group');
    await auditConsole(ctx, services, { event: 'admin.group_member_removed', account_id: accountId, detail: { group: group.name } });
    backTo(ctx, services, `${groupPath(group.id)}?done=member_removed#members`);
  });

  router.post('/admin/groups/:id/rename', ...onGroup('#rename'), async (ctx) => {
    const group = await groupOf(ctx, services);
    const name = formField(adminFormOf(ctx), 'name', 64).trim();
    const { apps, fileApps } = await groupChange(() => renameGroupWithApps(db, services.config.clientsFile, group.id, group.name, name));
    await auditConsole(ctx, services, { event: 'admin.group_renamed', detail: { group: name, from: group.name, apps: apps.join(' '), file_apps: fileApps.join(' ') } });
    backTo(ctx, services, `${groupPath(group.id)}?done=${fileApps.length ? 'renamed_but_file' : 'renamed'}`);
  });

  router.post('/admin/groups/:id/delete', ...onGroup('#delete'), async (ctx) => {
    const group = await groupOf(ctx, services);
    await groupChange(() => deleteGroup(db, group.name));
    await auditConsole(ctx, services, { event: 'admin.group_deleted', detail: { group: group.name } });
    backTo(ctx, services, '/admin/groups?done=deleted');
  });
}
