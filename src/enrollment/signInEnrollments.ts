// Enrollments that a browser's sign-in waits for: a sign-up's (src/signup) and a recovery's
// (src/recovery). Each is tied to the OIDC interaction that made it (`interaction_uid`), so only
// that browser sees its QR code and is signed in once the phone enrolls, and only once
// (`completed_at`). The pages, under /interaction/:uid/<kind>/:
//   GET qr        the enrollment's QR code, while the phone enrolls (the page waits on the
//                 sign-in's event stream for `enrolled`, src/device/enrollmentRoutes.ts)
//   GET status    {status: pending | enrolled | expired} as JSON
//   GET complete  the account's first recovery codes, if it has none yet (shown once, with a
//                 link back here); otherwise signs the account in and the login goes on to the app
import type Router from '@koa/router';
import type { Context } from 'koa';
import { recordAudit } from '../audit/audit.ts';
import { clientIp } from '../http/ip.ts';
import { render } from '../http/render.ts';
import { qrSvg } from '../login/qr.ts';
import { finishInteraction, restartUrl, type Interaction } from '../login/interaction.ts';
import { rememberAccount } from '../login/rememberedAccount.ts';
import { authenticationContext } from '../oidc/authContext.ts';
import { enrollmentUrl } from '../protocol/urls.ts';
import { firstRecoveryCodes } from '../recovery/recovery.ts';
import type { Services } from '../services.ts';
import { findAccountById } from '../store/accounts.ts';
import type { Db } from '../store/db.ts';
import { findDevice } from '../store/devices.ts';
import type { Enrollment } from '../store/enrollments.ts';

export type SignInEnrollmentKind = 'signup' | 'recovery';
export type SignInEnrollment = Enrollment & { completed_at: number | null };
type State = 'pending' | 'enrolled' | 'expired';

/** The sign-in's current enrollment of `kind` (its earlier ones are cancelled when a new one is made). */
export async function signInEnrollmentOf(db: Db, uid: string, kind: SignInEnrollmentKind): Promise<SignInEnrollment | undefined> {
  return db('enrollments').where({ interaction_uid: uid, kind }).whereNot('status', 'cancelled').first();
}

/** enrolled → completed, once: false when another tab or a replay already finished it. */
export async function completeSignInEnrollment(db: Db, eid: string, now: number): Promise<boolean> {
  return (await db('enrollments').where({ eid, status: 'enrolled' }).whereNull('completed_at').update({ completed_at: now })) === 1;
}

/** Where the browser goes once the phone enrolled (the `enrolled` event's `complete_url`). */
export function completePath(basePath: string, uid: string, kind: SignInEnrollmentKind): string {
  return `${basePath}/interaction/${uid}/${kind}/complete`;
}

function stateOf(enrollment: SignInEnrollment | undefined, now: number): State {
  if (enrollment?.status === 'enrolled' && enrollment.completed_at === null) return 'enrolled';
  if (enrollment?.status === 'pending' && enrollment.expires_at > now) return 'pending';
  return 'expired';
}

export type SignInEnrollmentPages = {
  kind: SignInEnrollmentKind;
  /** The view of the QR page: gets uid, state, url, svg, email and restartUrl. */
  qrView: string;
  /** The interaction of the request, refused when this kind cannot be used in it. */
  interaction: (ctx: Context) => Promise<Interaction>;
};

export function mountSignInEnrollmentPages(router: Router, services: Services, pages: SignInEnrollmentPages): void {
  const { db, clock } = services;
  const { kind } = pages;
  const path = (uid: string, rest: string) => `${services.basePath}/interaction/${uid}/${kind}${rest}`;

  router.get(`/interaction/:uid/${kind}/qr`, async (ctx) => {
    const interaction = await pages.interaction(ctx);
    const enrollment = await signInEnrollmentOf(db, interaction.uid, kind);
    const state = stateOf(enrollment, clock());
    const url = state === 'pending' ? enrollmentUrl(services.issuer, enrollment!.eid) : null;
    await render(ctx, pages.qrView, {
      uid: interaction.uid,
      state,
      url,
      svg: url ? await qrSvg(url) : null,
      email: enrollment ? (await findAccountById(db, enrollment.account_id))?.email ?? '' : '',
      restartUrl: restartUrl(services.basePath, interaction),
    });
  });

  router.get(`/interaction/:uid/${kind}/status`, async (ctx) => {
    const interaction = await pages.interaction(ctx);
    const state = stateOf(await signInEnrollmentOf(db, interaction.uid, kind), clock());
    ctx.set('Cache-Control', 'no-store');
    ctx.body = state === 'enrolled' ? { status: state, complete_url: completePath(services.basePath, interaction.uid, kind) } : { status: state };
  });

  router.get(`/interaction/:uid/${kind}/complete`, async (ctx) => {
    const interaction = await pages.interaction(ctx);
    const enrollment = await signInEnrollmentOf(db, interaction.uid, kind);
    if (!enrollment || enrollment.status !== 'enrolled' || enrollment.completed_at !== null) return ctx.redirect(path(interaction.uid, '/qr'));
    // The account's first phone: its recovery codes, once. A reload finds the set made and goes on.
    const codes = await firstRecoveryCodes(db, clock, enrollment.account_id, enrollment.eid);
    if (codes) {
      await recordAudit(services, { event: 'recovery.codes_created', account_id: enrollment.account_id, ip: clientIp(ctx), detail: { by: 'enrollment', eid: enrollment.eid } });
      return render(ctx, 'recovery-codes', { codes, continueUrl: path(interaction.uid, '/complete'), continueLabel: 'I have saved them — continue' });
    }
    // Exactly once per enrollment: a second tab or a replayed /complete goes back to the QR page.
    if (!(await completeSignInEnrollment(db, enrollment.eid, clock()))) return ctx.redirect(path(interaction.uid, '/qr'));
    const device = await findDevice(db, enrollment.device_id!);
    if (!device || device.status !== 'active') {
      return finishInteraction(ctx, interaction, { error: 'access_denied', error_description: 'The phone that enrolled can no longer sign in.' });
    }
    await rememberAccount(ctx, services, enrollment.account_id);
    await finishInteraction(ctx, interaction, {
      login: { accountId: enrollment.account_id, ...authenticationContext(false), remember: true, device_id: device.id },
    });
  });
}
