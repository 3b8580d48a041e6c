// The admin console at /admin (issue 20 §3): people, groups, apps, sessions and the audit log of
// this Scanin, for the accounts that hold the admin role (`scanin admins grant` makes the first).
// Plain pages and forms: every action is a POST with the session's CSRF token, answered with a
// redirect back (or a page shown once: a secret, recovery codes, an invite link); no script is
// needed, so every control is a link, a button or a field a keyboard reaches.
import type Router from '@koa/router';
import type { Services } from '../services.ts';
import { mountAdminAudit } from './adminAudit.ts';
import { mountAdminClients } from './adminClients.ts';
import { mountAdminGroups } from './adminGroups.ts';
import { adminPage, backTo } from './adminSession.ts';
import { mountAdminSessions } from './adminSessions.ts';
import { mountAdminUsers } from './adminUsers.ts';

export function mountAdminConsole(router: Router, services: Services): void {
  router.get('/admin', ...adminPage(services), (ctx) => backTo(ctx, services, '/admin/users'));
  mountAdminUsers(router, services);
  mountAdminGroups(router, services);
  mountAdminClients(router, services);
  mountAdminSessions(router, services);
  mountAdminAudit(router, services);
}
