// The console's signed-in browsers, every account's, the last used first.
//   GET  /admin/sessions?page=     50 a page: account, when it signed in, the device, the address, the apps
//   POST /admin/sessions/end       session: that browser is signed out, the grants it handed out end (apps told)
import type Router from '@koa/router';
import type { Context } from 'koa';
import { doneMessage } from '../http/doneMessage.ts';
import { deliverDueLogouts } from '../oidc/backchannelLogout.ts';
import { endSession, listSessions, sessionAccount } from '../oidc/sessions.ts';
import type { Services } from '../services.ts';
import { formField } from '../accountPage/accountSession.ts';
import { adminAction, adminFormOf, adminPage, auditConsole, backTo, notFoundHere, renderAdminView } from './adminSession.ts';
import { timeOf } from './adminView.ts';
import { pageNumber, pageOf, pageWindow } from './pagination.ts';

const DONE = { ended: 'That browser was signed out.' };

/**
 * Signs one of `accountId`'s browsers out from the console (this list, or the account's page):
 * its grants end, its apps are told, it is audited. 404 when the account has no such session.
 */
export async function endSessionFromConsole(ctx: Context, services: Services, uid: string, accountId: string): Promise<void> {
  if (!(await endSession(services.db, uid, accountId))) throw notFoundHere('signed-in browser on this account');
  await deliverDueLogouts(services);
  await auditConsole(ctx, services, { event: 'admin.session_ended', account_id: accountId, detail: { session: uid } });
}

export function mountAdminSessions(router: Router, services: Services): void {
  const { db, clock } = services;

  router.get('/admin/sessions', ...adminPage(services), async (ctx) => {
    const now = clock();
    const number = pageNumber(ctx);
    const rows = await listSessions(db, now, pageWindow(number));
    await renderAdminView(ctx, 'admin-sessions', 'sessions', {
      page: pageOf(rows, number, `${services.basePath}/admin/sessions`, {}),
      time: (at: number | null) => timeOf(at, now),
      done: doneMessage(ctx, DONE),
    });
  });

  router.post('/admin/sessions/end', ...adminAction(services, '/admin/sessions'), async (ctx) => {
    const uid = formField(adminFormOf(ctx), 'session');
    const accountId = await sessionAccount(db, uid);
    if (!accountId) throw notFoundHere('signed-in browser');
    await endSessionFromConsole(ctx, services, uid, accountId);
    backTo(ctx, services, '/admin/sessions?done=ended');
  });
}
