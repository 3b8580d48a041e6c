// The console's people: find, invite, and everything about one account.
//   GET  /admin/users?q=&page=                 search by email, name or sub, 50 a page
//   POST /admin/users/invite                   email, name: the account (made if new) and a one-time link, mailed when SMTP is set
//   GET  /admin/users/:id                      one account: groups, devices, sessions, invites, recovery, role
//   POST /admin/users/:id/disable | enable     disabling ends its sessions, tokens and pending approvals at once
//   POST /admin/users/:id/devices/revoke       device_id: revoked for good, what it opened is cut off
//   POST /admin/users/:id/sessions/end         session: that browser is signed out (apps told)
//   POST /admin/users/:id/sessions/end-all     every browser of the account is signed out
//   POST /admin/users/:id/recovery-codes       ten new recovery codes, shown once; the old set stops working
//   POST /admin/users/:id/groups/add           group_id, until (a date, optional): a membership, time-boxed or not
//   POST /admin/users/:id/groups/remove        group_id
//   POST /admin/users/:id/admin/grant | revoke the admin role (an administrator cannot take their own)
// An administrator's own account cannot be disabled here either: a console nobody can enter is
// mended only from the command line.
import type Router from '@koa/router';
import type { Context } from 'koa';
import QRCode from 'qrcode';
import { disableAccount, enableAccount, revokeDeviceEverywhere } from '../accounts/cutOff.ts';
import { wake } from '../enrollment/addDevice.ts';
import { invite, InviteError } from '../enrollment/invites.ts';
import { sendInviteMail } from '../mail/notifications.ts';
import { deliverDueLogouts } from '../oidc/backchannelLogout.ts';
import { endAccountSessions, listAccountSessions } from '../oidc/sessions.ts';
import { enrollmentUrl } from '../protocol/urls.ts';
import { regenerateRecoveryCodes } from '../recovery/recovery.ts';
import type { Services } from '../services.ts';
import { findAccountById, searchAccounts, type Account } from '../store/accounts.ts';
import { grantAdmin, isAdmin, revokeAdmin } from '../store/admins.ts';
import { findDevice, listDevices } from '../store/devices.ts';
import { listOpenEnrollments } from '../store/enrollments.ts';
import { findGroupById, listGroups, membershipsOf, removeMember } from '../store/groups.ts';
import { recoveryCodesLeft } from '../store/recoveryCodes.ts';
import { accountSessionOf } from '../accountPage/accountSession.ts';
import { KEY_TYPES } from '../accountPage/accountView.ts';
import { formField } from '../accountPage/accountSession.ts';
import { adminAction, adminFormOf, adminPage, auditConsole, backTo, namedInPath, notFoundHere, refused, refusedBecause, renderAdminView } from './adminSession.ts';
import { timeOf } from './adminView.ts';
import { addMembershipFromConsole } from './consoleMembership.ts';
import { endSessionFromConsole } from './adminSessions.ts';
import { doneMessage } from '../http/doneMessage.ts';
import { pageNumber, pageOf, pageWindow } from './pagination.ts';

const DONE = {
  disabled: 'The account is disabled: its sessions and tokens are ended, and it cannot sign in until enabled.',
  enabled: 'The account is enabled: its devices can sign in again.',
  device_revoked: 'The device was revoked: it can no longer sign in, and the browsers it signed in are signed out.',
  session_ended: 'That browser was signed out.',
  sessions_ended: 'Every browser of this account was signed out.',
  group_added: 'The account was added to the group.',
  group_removed: 'The account was removed from the group.',
  admin_granted: 'The account is an administrator: it can use this console.',
  admin_revoked: 'The account is no longer an administrator.',
};

const userPath = (id: string) => `/admin/users/${id}`;

const accountOf = (ctx: Context, services: Services): Promise<Account> => namedInPath(ctx, (id) => findAccountById(services.db, id), 'account');

export function mountAdminUsers(router: Router, services: Services): void {
  const { db, clock } = services;
  const onUser = (path: string) => adminAction(services, (ctx) => userPath(String(ctx.params.id ?? '')) + path);

  router.get('/admin/users', ...adminPage(services), async (ctx) => {
    const search = typeof ctx.query.q === 'string' ? ctx.query.q.trim().slice(0, 254) : '';
    const number = pageNumber(ctx);
    const rows = await searchAccounts(db, search, pageWindow(number));
    await renderAdminView(ctx, 'admin-users', 'users', {
      search,
      page: pageOf(rows, number, `${services.basePath}/admin/users`, search ? { q: search } : {}),
      invited: null,
    });
  });

  router.post('/admin/users/invite', ...adminAction(services, '/admin/users#invite'), async (ctx) => {
    const form = adminFormOf(ctx);
    let result;
    try {
      result = await invite(db, clock, { email: formField(form, 'email', 254), ...(form.name ? { name: form.name } : {}), ttl: services.config.inviteTtl });
    } catch (error) {
      if (error instanceof InviteError) throw refusedBecause(error.message);
      throw error;
    }
    const { account, enrollment } = result;
    const url = enrollmentUrl(services.issuer, enrollment.eid);
    const mailed = await sendInviteMail(services, account, url, enrollment.expires_at);
    await auditConsole(ctx, services, { event: 'admin.invite', account_id: account.id, detail: { eid: enrollment.eid, email: account.email, cancelled: result.cancelled, mailed } });
    await renderAdminView(ctx, 'admin-invited', 'users', {
      account, url, created: result.created, cancelled: result.cancelled, mailed,
      expires: timeOf(enrollment.expires_at, clock()),
      qr: await QRCode.toString(url, { type: 'svg', margin: 2, errorCorrectionLevel: 'M' }),
    });
  });

  router.get('/admin/users/:id', ...adminPage(services), async (ctx) => {
    const account = await accountOf(ctx, services);
    const now = clock();
    const devices = await listDevices(db, account.id);
    const memberships = await membershipsOf(db, account.id);
    await renderAdminView(ctx, 'admin-user', 'users', {
      user: account,
      self: account.id === accountSessionOf(ctx).account.id,
      isAdmin: await isAdmin(db, account.id),
      devices: devices.map((device) => ({ ...device, keyType: KEY_TYPES[device.alg] ?? device.alg })),
      sessions: await listAccountSessions(db, account.id, now),
      memberships: memberships.map((membership) => ({ ...membership, expired: membership.expires_at !== null && membership.expires_at <= now })),
      otherGroups: (await listGroups(db)).filter((group) => !memberships.some((membership) => membership.group_id === group.id)),
      invites: await listOpenEnrollments(db, now, account.id),
      recoveryLeft: await recoveryCodesLeft(db, account.id),
      time: (at: number | null) => timeOf(at, now),
      done: doneMessage(ctx, DONE),
    });
  });

  router.post('/admin/users/:id/disable', ...onUser(''), async (ctx) => {
    const account = await accountOf(ctx, services);
    if (account.id === accountSessionOf(ctx).account.id) throw refused('You cannot disable your own account here.');
    if (await disableAccount(db, clock, account.id)) {
      await deliverDueLogouts(services);
      await auditConsole(ctx, services, { event: 'admin.user_disabled', account_id: account.id, detail: { email: account.email } });
    }
    backTo(ctx, services, `${userPath(account.id)}?done=disabled`);
  });

  router.post('/admin/users/:id/enable', ...onUser(''), async (ctx) => {
    const account = await accountOf(ctx, services);
    if (await enableAccount(db, account.id)) await auditConsole(ctx, services, { event: 'admin.user_enabled', account_id: account.id, detail: { email: account.email } });
    backTo(ctx, services, `${userPath(account.id)}?done=enabled`);
  });

  router.post('/admin/users/:id/devices/revoke', ...onUser('#devices'), async (ctx) => {
    const account = await accountOf(ctx, services);
    const device = await findDevice(db, formField(adminFormOf(ctx), 'device_id'));
    if (!device || device.account_id !== account.id) throw notFoundHere('device on this account');
    if (!(await revokeDeviceEverywhere(db, clock, device.id))) throw refused('This device was revoked already.');
    await wake(services, account.id, device.id);
    await deliverDueLogouts(services);
    await auditConsole(ctx, services, { event: 'device.revoked', account_id: account.id, device_id: device.id });
    backTo(ctx, services, `${userPath(account.id)}?done=device_revoked#devices`);
  });

  router.post('/admin/users/:id/sessions/end', ...onUser('#sessions'), async (ctx) => {
    const account = await accountOf(ctx, services);
    await endSessionFromConsole(ctx, services, formField(adminFormOf(ctx), 'session'), account.id);
    backTo(ctx, services, `${userPath(account.id)}?done=session_ended#sessions`);
  });

  router.post('/admin/users/:id/sessions/end-all', ...onUser('#sessions'), async (ctx) => {
    const account = await accountOf(ctx, services);
    const sessions = await endAccountSessions(db, account.id);
    await deliverDueLogouts(services);
    await auditConsole(ctx, services, { event: 'admin.sessions_ended', account_id: account.id, detail: { sessions } });
    // The administrator's own sessions included: this browser may be signed out now, and the
    // redirect then leads through a new sign-in.
    backTo(ctx, services, `${userPath(account.id)}?done=sessions_ended#sessions`);
  });

  router.post('/admin/users/:id/recovery-codes', ...onUser('#recovery'), async (ctx) => {
    const account = await accountOf(ctx, services);
    if (account.disabled_at !== null) throw refused('This account is disabled: enable it first (a disabled account cannot recover).');
    const codes = await regenerateRecoveryCodes(db, clock, account.id, 'admin');
    await auditConsole(ctx, services, { event: 'admin.recovery_codes', account_id: account.id, detail: { email: account.email } });
    await renderAdminView(ctx, 'admin-recovery-codes', 'users', { user: account, codes });
  });

  router.post('/admin/users/:id/groups/add', ...onUser('#groups'), async (ctx) => {
    const account = await accountOf(ctx, services);
    const form = adminFormOf(ctx);
    const group = await findGroupById(db, formField(form, 'group_id'));
    if (!group) throw notFoundHere('group');
    await addMembershipFromConsole(ctx, services, group, account, form);
    backTo(ctx, services, `${userPath(account.id)}?done=group_added#groups`);
  });

  router.post('/admin/users/:id/groups/remove', ...onUser('#groups'), async (ctx) => {
    const account = await accountOf(ctx, services);
    const group = await findGroupById(db, formField(adminFormOf(ctx), 'group_id'));
    if (!group || !(await removeMember(db, group.id, account.id))) throw notFoundHere('membership');
    await auditConsole(ctx, services, { event: 'admin.group_member_removed', account_id: account.id, detail: { group: group.name, email: account.email } });
    backTo(ctx, services, `${userPath(account.id)}?done=group_removed#groups`);
  });

  router.post('/admin/users/:id/admin/grant', ...onUser('#role'), async (ctx) => {
    const account = await accountOf(ctx, services);
    if (account.disabled_at !== null) throw refused('This account is disabled: enable it first.');
    if (await grantAdmin(db, account.id, clock(), accountSessionOf(ctx).account.id)) {
      await auditConsole(ctx, services, { event: 'admin.admin_granted', account_id: account.id, detail: { email: account.email } });
    }
    backTo(ctx, services, `${userPath(account.id)}?done=admin_granted#role`);
  });

  router.post('/admin/users/:id/admin/revoke', ...onUser('#role'), async (ctx) => {
    const account = await accountOf(ctx, services);
    if (account.id === accountSessionOf(ctx).account.id) throw refused('You cannot take your own administrator role: another administrator can.');
    if (await revokeAdmin(db, account.id)) await auditConsole(ctx, services, { event: 'admin.admin_revoked', account_id: account.id, detail: { email: account.email } });
    backTo(ctx, services, `${userPath(account.id)}?done=admin_revoked#role`);
  });
}
