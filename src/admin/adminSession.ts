// Who is using the admin console, and the rules every console request follows.
//
// The console is signed in to as the account page is (accountPage/accountSession.ts): Scanin's
// own QR login, through the account page's client, into the engine's browser session, so it
// lives in the database and ends with it. On top of that the account must hold the admin role
// (store/admins.ts), read again at every request: a revoked role stops the next click.
//   router.get('/admin/x', ...adminPage(services), async (ctx) => renderAdminView(ctx, 'admin-x', { … }));
//   router.post('/admin/x', ...adminAction(services, '/admin/x'), async (ctx) => {
//     const form = adminFormOf(ctx);                      // CSRF checked, fields as strings
//     await auditConsole(ctx, services, { event: 'admin.…', … });
//   });
// Every action also asks for a fresh scan (a phone of the administrator approved a sign-in on
// this browser within ACCOUNT_FRESH_SCAN seconds): everything here changes someone else's
// access, and the session behind it lasts days.
import type { Context, Middleware, Next } from 'koa';
import { recordAudit, type AuditEvent } from '../audit/audit.ts';
import { clientIp } from '../http/ip.ts';
import { refusalPage } from '../http/refusalPage.ts';
import { render } from '../http/render.ts';
import { accountSessionOf, requireAccountSession } from '../accountPage/accountSession.ts';
import { requireFreshScan } from '../accountPage/freshScan.ts';
import { ProtocolError } from '../protocol/errors.ts';
import type { Services } from '../services.ts';
import { isAdmin } from '../store/admins.ts';

const REFUSAL_TITLES: Record<number, string> = {
  400: 'This change could not be made',
  403: 'This change was refused',
  404: 'Not found',
  409: 'This change could not be made',
  413: 'This change could not be made',
  429: 'Too many changes: please wait a moment',
};

/** Sections of the console, in the order its navigation shows them. */
export const SECTIONS = [
  { id: 'users', title: 'Users' },
  { id: 'groups', title: 'Groups' },
  { id: 'clients', title: 'Apps' },
  { id: 'sessions', title: 'Sessions' },
  { id: 'audit', title: 'Audit log' },
] as const;

export type Section = (typeof SECTIONS)[number]['id'];

function requireAdminRole(services: Services): Middleware {
  return async (ctx: Context, next: Next) => {
    const { account } = accountSessionOf(ctx);
    if (!(await isAdmin(services.db, account.id))) {
      await recordAudit(services, { event: 'admin_console.refused', account_id: account.id, ip: clientIp(ctx), detail: { path: ctx.path.slice(0, 200) } });
      return render(ctx, 'admin-not-admin', { account }, 403);
    }
    await next();
  };
}

/** Middleware for a console page: signed in (else sent to sign in and back), with the admin role. */
export function adminPage(services: Services): Middleware[] {
  return [refusalPage('admin-error', REFUSAL_TITLES), requireAccountSession(services), requireAdminRole(services)];
}

/**
 * Middleware for a console action whose form sits at `returnTo`: as a page, then the form read
 * and checked (same origin, CSRF token, rate limit), then a fresh scan.
 */
export function adminAction(services: Services, returnTo: string | ((ctx: Context) => string)): Middleware[] {
  return [...adminPage(services), requireFreshScan(services, returnTo)];
}

/** The fields of the action's form (after adminAction). */
export function adminFormOf(ctx: Context): Record<string, string> {
  const form = ctx.state.accountForm as Record<string, string> | undefined;
  if (!form) throw new TypeError('adminFormOf: the route does not use adminAction');
  return form;
}

export const notFoundHere = (what: string) => new ProtocolError(404, 'not_found', `There is no such ${what}. Nothing was changed.`);

/** What the path's `:id` names, found with `find`, or the page "There is no such <what>". */
export async function namedInPath<T>(ctx: Context, find: (id: string) => Promise<T | undefined>, what: string): Promise<T> {
  const found = await find(String(ctx.params.id ?? ''));
  if (!found) throw notFoundHere(what);
  return found;
}
export const refused = (message: string) => new ProtocolError(400, 'invalid_request', `${message} Nothing was changed.`);

/** A store's or the engine's reason, written for the command line ("a group named …"), as a refusal. */
export const refusedBecause = (reason: string) => refused(`${reason[0]!.toUpperCase()}${reason.slice(1)}.`);

/** Records a console action: who did it (the administrator's sub) and from where. */
export function auditConsole(ctx: Context, services: Services, event: AuditEvent): Promise<void> {
  const { account } = accountSessionOf(ctx);
  return recordAudit(services, { ...event, ip: clientIp(ctx), detail: { ...event.detail, by: 'console', admin: account.id } });
}

/** Renders a console view with what each needs: the administrator, the CSRF token, the section, `rescan`. */
export async function renderAdminView(ctx: Context, view: string, section: Section, data: Record<string, unknown>, status = 200): Promise<void> {
  const { account, csrfToken, fresh } = accountSessionOf(ctx);
  await render(ctx, view, { admin: account, csrfToken, rescan: !fresh, sections: SECTIONS, section, ...data }, status);
}

/** 303 to a console page (`path` under /admin, maybe with ?done= and #section). */
export function backTo(ctx: Context, services: Services, path: string): void {
  ctx.status = 303;
  ctx.redirect(`${services.basePath}${path}`);
}
