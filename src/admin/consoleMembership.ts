// A membership made in the console, from the group's page or the account's: it ends with the
// form's `until`, a date (YYYY-MM-DD, what a date input sends), as that day begins in UTC, as
// `scanin groups add --until` does; no date: never. Audited alike from both pages.
import type { Context } from 'koa';
import type { Services } from '../services.ts';
import type { Account } from '../store/accounts.ts';
import { addMember, type Group } from '../store/groups.ts';
import { parseIsoTime } from '../text/timeInput.ts';
import { auditConsole, refused } from './adminSession.ts';

function membershipEnd(form: Record<string, string>, now: number): number | null {
  const until = form.until ?? '';
  if (until === '') return null;
  const at = /^\d{4}-\d{2}-\d{2}$/.test(until) ? parseIsoTime(until) : null;
  if (at === null) throw refused('The end of a membership is a date such as 2027-01-31.');
  if (at <= now) throw refused('The end of a membership must be in the future.');
  return at;
}

/** Adds (or renews) `account`'s membership of `group`, ending as the form says. */
export async function addMembershipFromConsole(ctx: Context, services: Services, group: Group, account: Account, form: Record<string, string>): Promise<void> {
  const now = services.clock();
  const expiresAt = membershipEnd(form, now);
  await addMember(services.db, now, group.id, account.id, expiresAt);
  await auditConsole(ctx, services, { event: 'admin.group_member_added', account_id: account.id, detail: { group: group.name, email: account.email, expires_at: expiresAt } });
}
