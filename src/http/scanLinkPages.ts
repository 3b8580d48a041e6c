// /q/:rid and /e/:eid opened in a browser instead of an authenticator: explain what they are.
// An enrollment link (an invite sent by email, opened on a computer) shows its own QR code so the
// phone can scan it from the screen. Neither page reveals the challenge or changes anything.
import type Router from '@koa/router';
import type { Context } from 'koa';
import { qrSvg } from '../login/qr.ts';
import { enrollmentUrl, loginUrl } from '../protocol/urls.ts';
import type { Services } from '../services.ts';
import { watchInvite } from '../recovery/inviteCodes.ts';
import { findEnrollment } from '../store/enrollments.ts';
import { render } from './render.ts';

/** The web app's screen for a scanned URL: /app/ checks the URL itself before using it. */
function appLink(services: Services, url: string): string {
  return `${services.basePath}/app/#/open/${encodeURIComponent(url)}`;
}

/**
 * The host this page was opened at, when it is not ISSUER's: its links and QR codes lead to the
 * issuer, which this phone may not reach (ISSUER left at http://localhost:3000 while the phone
 * came over the LAN), and a device signs for the issuer only. The page says so, rather than let
 * the phone fail further on with an error that names neither address.
 */
function openedElsewhere(ctx: Context, services: Services): { opened: string; issuer: string } | undefined {
  return ctx.host.toLowerCase() === new URL(services.issuer).host ? undefined : { opened: ctx.host, issuer: services.issuer };
}

export function mountScanLinkPages(router: Router, services: Services): void {
  router.get('/q/:rid', async (ctx) => {
    ctx.set('Cache-Control', 'no-store');
    await render(ctx, 'scan-link', {
      title: 'Scanin sign-in code',
      message: 'This link is a sign-in request for your Scanin authenticator. Open it with the authenticator on the phone you enrolled.',
      note: 'It holds no secret: only your authenticator, with the key it keeps, can answer it.',
      svg: null,
      elsewhere: openedElsewhere(ctx, services),
      // A phone whose web app is enrolled is sent on at once (views/assets/scan-link.js).
      app: { href: appLink(services, loginUrl(services.issuer, ctx.params.rid!)), label: 'Open in the Scanin web app', auto: true },
    });
  });

  router.get('/e/:eid', async (ctx) => {
    ctx.set('Cache-Control', 'no-store');
    const enrollment = await findEnrollment(services.db, ctx.params.eid!);
    const open = enrollment && enrollment.status === 'pending' && enrollment.expires_at > services.clock();
    if (!open) {
      await render(ctx, 'scan-link', {
        title: 'This enrollment link cannot be used',
        message: 'It was already used, has expired, or never existed. Ask your administrator for a new invite.',
        svg: null,
      }, enrollment ? 410 : 404);
      return;
    }
    await render(ctx, 'scan-link', {
      title: 'Bind your phone to Scanin',
      message: 'Scan this code with your Scanin authenticator. From then on you sign in by scanning, with no password.',
      note: 'Keep this link to yourself: whoever uses it first binds their phone to your account. It works once.',
      svg: await qrSvg(enrollmentUrl(services.issuer, enrollment.eid)),
      elsewhere: openedElsewhere(ctx, services),
      app: { href: appLink(services, enrollmentUrl(services.issuer, enrollment.eid)), label: 'On this phone? Enroll it in the Scanin web app', auto: false },
      // An invite's page waits for the phone, then shows the first recovery codes (src/recovery/inviteCodes.ts).
      watch: watchInvite(ctx, services, enrollment),
    });
  });
}
