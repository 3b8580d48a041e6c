// The first recovery codes after an invite opened on a computer: the invite's page (/e/:eid,
// src/http/scanLinkPages.ts) shows the QR code, waits for the phone to enroll, then shows the
// account's ten codes once, in that browser only.
//   GET /e/:eid/status          {status: pending | enrolled | expired}: what the page polls
//   GET /e/:eid/recovery-codes  the codes, once, to the browser that showed the open invite
// "That browser" is one holding the watcher cookie the invite's page set while the invite was
// open: an HMAC of the eid under the cookie keys, so nothing is stored and a browser that opens
// the link after it was used (a forwarded email, a log) gets no cookie and no codes. The codes
// are shown only within WATCH_WINDOW of the enrollment and only if the account has none yet
// (recovery.ts firstRecoveryCodes): a reload, another tab or a later visit is told they were
// shown and that the account page makes new ones. An invite opened on the phone itself has no
// browser beside it: the account page offers the codes then (accountRecoveryCodes.ts).
import { createHmac, timingSafeEqual } from 'node:crypto';
import type Router from '@koa/router';
import type { Context } from 'koa';
import { cookieKeys } from '../accountPage/accountSession.ts';
import { recordAudit } from '../audit/audit.ts';
import { clientIp } from '../http/ip.ts';
import { render } from '../http/render.ts';
import type { Services } from '../services.ts';
import { findAccountById } from '../store/accounts.ts';
import { findEnrollment, type Enrollment } from '../store/enrollments.ts';
import { firstRecoveryCodes } from './recovery.ts';

const WATCH_COOKIE = 'scanin_invite';
const WATCH_PURPOSE = 'scanin invite watcher\0';
/** How long after the phone enrolled the page that watched it may still show the codes. */
const WATCH_WINDOW = 15 * 60;

function watcherToken(key: string, eid: string): string {
  return createHmac('sha256', key).update(WATCH_PURPOSE + eid).digest('base64url');
}

function cookiePath(services: Services, eid: string): string {
  return `${services.basePath}/e/${eid}`;
}

/** Where the invite's page polls, or null when this enrollment's page does not wait (not an invite). */
export function watchInvite(ctx: Context, services: Services, enrollment: Enrollment): { statusUrl: string } | null {
  if (enrollment.kind !== 'invite') return null;
  ctx.cookies.set(WATCH_COOKIE, watcherToken(cookieKeys(services)[0]!, enrollment.eid), {
    path: cookiePath(services, enrollment.eid),
    httpOnly: true,
    sameSite: 'lax',
    secure: ctx.secure,
  });
  return { statusUrl: `${cookiePath(services, enrollment.eid)}/status` };
}

function watchedHere(ctx: Context, services: Services, eid: string): boolean {
  const given = Buffer.from(ctx.cookies.get(WATCH_COOKIE) ?? '');
  return cookieKeys(services).some((key) => {
    const expected = Buffer.from(watcherToken(key, eid));
    return expected.length === given.length && timingSafeEqual(expected, given);
  });
}

export function mountInviteCodes(router: Router, services: Services): void {
  const { db, clock } = services;

  router.get('/e/:eid/status', async (ctx) => {
    const enrollment = await findEnrollment(db, ctx.params.eid!);
    const now = clock();
    ctx.set('Cache-Control', 'no-store');
    if (enrollment?.kind === 'invite' && enrollment.status === 'enrolled') {
      ctx.body = { status: 'enrolled', next_url: `${cookiePath(services, enrollment.eid)}/recovery-codes` };
    } else {
      ctx.body = { status: enrollment?.status === 'pending' && enrollment.expires_at > now ? 'pending' : 'expired' };
    }
  });

  router.get('/e/:eid/recovery-codes', async (ctx) => {
    const enrollment = await findEnrollment(db, ctx.params.eid!);
    const now = clock();
    const account = enrollment && (await findAccountById(db, enrollment.account_id));
    const shown = enrollment?.kind === 'invite'
      && enrollment.status === 'enrolled'
      && enrollment.answered_at !== null && now - enrollment.answered_at <= WATCH_WINDOW
      && account && account.disabled_at === null
      && watchedHere(ctx, services, enrollment.eid);
    const codes = shown ? await firstRecoveryCodes(db, clock, enrollment.account_id, enrollment.eid) : null;
    if (codes) {
      await recordAudit(services, { event: 'recovery.codes_created', account_id: enrollment!.account_id, ip: clientIp(ctx), detail: { by: 'enrollment', eid: enrollment!.eid } });
      return render(ctx, 'recovery-codes', { codes, continueUrl: `${services.basePath}/account`, continueLabel: 'I have saved them — continue' });
    }
    await render(ctx, 'recovery-shown', { title: enrollment?.status === 'enrolled' ? 'Your phone is bound' : 'No recovery codes here' }, enrollment ? 200 : 404);
  });
}
