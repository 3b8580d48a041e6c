// The console's audit log: filtered by user, app, event and time, newest first, a page at a time,
// and exported as CSV with the same filters (what `scanin audit --csv` writes).
//   GET /admin/audit?user=<email>&client=<client_id>&event=<name or family>&since=&until=&page=
//   GET /admin/audit.csv?…the same filters   every matching entry (up to 100,000), oldest first
// since and until are what the CLI takes: a date, a time with its zone, or an age (12h, 7d).
import type Router from '@koa/router';
import type { Context } from 'koa';
import { isEventName, listAudit, type AuditFilter } from '../audit/audit.ts';
import { auditCsv } from '../audit/auditCsv.ts';
import type { Services } from '../services.ts';
import { emailsOf, findAccountByEmail, normalizeEmail } from '../store/accounts.ts';
import { parseSince } from '../text/timeInput.ts';
import { adminPage, auditConsole, renderAdminView } from './adminSession.ts';
import { timeOf } from './adminView.ts';
import { pageNumber, pageOf, pageWindow } from './pagination.ts';

const FIELDS = ['user', 'client', 'event', 'since', 'until'] as const;
const EXPORT_LIMIT = 100_000;

type Filters = Record<(typeof FIELDS)[number], string>;

/** The filters as typed (kept in the form and the links), and what they select; or why they cannot be read. */
async function readFilters(ctx: Context, services: Services): Promise<{ typed: Filters; filter?: AuditFilter; problem?: string }> {
  const typed = Object.fromEntries(FIELDS.map((name) => [name, typeof ctx.query[name] === 'string' ? (ctx.query[name] as string).trim().slice(0, 254) : ''])) as Filters;
  const filter: AuditFilter = {};
  if (typed.user) {
    const email = normalizeEmail(typed.user);
    const account = email ? await findAccountByEmail(services.db, email) : undefined;
    if (!account) return { typed, problem: `No account has the email “${typed.user}”.` };
    filter.accountId = account.id;
  }
  if (typed.client) filter.clientId = typed.client;
  if (typed.event) {
    if (!isEventName(typed.event)) return { typed, problem: 'An event is a name such as login.refused, or a family such as login.' };
    filter.event = typed.event;
  }
  try {
    const now = services.clock();
    if (typed.since) filter.since = parseSince(typed.since, now, 'From');
    if (typed.until) filter.until = parseSince(typed.until, now, 'Until');
  } catch (error) {
    return { typed, problem: `${(error as Error).message}.` };
  }
  return { typed, filter };
}

const kept = (typed: Filters) => Object.fromEntries(Object.entries(typed).filter(([, value]) => value !== ''));

export function mountAdminAudit(router: Router, services: Services): void {
  router.get('/admin/audit', ...adminPage(services), async (ctx) => {
    const { typed, filter, problem } = await readFilters(ctx, services);
    const number = pageNumber(ctx);
    const rows = filter ? await listAudit(services.db, { ...filter, ...pageWindow(number), newestFirst: true }) : [];
    const now = services.clock();
    const page = pageOf(rows, number, `${services.basePath}/admin/audit`, kept(typed));
    await renderAdminView(ctx, 'admin-audit', 'audit', {
      // An entry names its account by sub (it outlives an email change); people read the email.
      emails: await emailsOf(services.db, page.items.flatMap((entry) => (entry.account_id ? [entry.account_id] : []))),
      typed,
      problem: problem ?? null,
      page,
      exportUrl: `${services.basePath}/admin/audit.csv?${new URLSearchParams(kept(typed))}`.replace(/\?$/, ''),
      time: (at: number) => timeOf(at, now),
    }, problem ? 400 : 200);
  });

  router.get('/admin/audit.csv', ...adminPage(services), async (ctx) => {
    const { filter, problem } = await readFilters(ctx, services);
    if (!filter) {
      ctx.status = 400;
      ctx.type = 'text/plain';
      ctx.body = `${problem}\n`;
      return;
    }
    const entries = await listAudit(services.db, { ...filter, limit: EXPORT_LIMIT });
    // Who read the log is itself worth knowing.
    await auditConsole(ctx, services, { event: 'admin.audit_exported', detail: { entries: entries.length } });
    ctx.set('Cache-Control', 'no-store');
    ctx.set('Content-Disposition', `attachment; filename="scanin-audit-${new Date(services.clock() * 1000).toISOString().slice(0, 10)}.csv"`);
    ctx.type = 'text/csv; charset=utf-8';
    ctx.body = auditCsv(entries);
  });
}
