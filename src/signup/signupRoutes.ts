// The browser's side of a sign-up, inside the sign-in's OIDC interaction (SIGNUP, signup.ts):
//   GET  /interaction/:uid/signup           the form (email, name)
//   POST /interaction/:uid/signup           makes the account and its enrollment → the QR page
//   GET  /interaction/:uid/signup/qr        the enrollment's QR code, while the phone enrolls
//   GET  /interaction/:uid/signup/status    {status: pending | enrolled | expired} as JSON
//   GET  /interaction/:uid/signup/complete  signs the new account in; the login goes on to the app
// The page waits on the sign-in's event stream (/interaction/:uid/events) for `enrolled`.
import { parse as parseForm } from 'node:querystring';
import type Router from '@koa/router';
import type { Context } from 'koa';
import { readBody } from '../device/body.ts';
import { clientIp } from '../http/ip.ts';
import { render } from '../http/render.ts';
import { qrSvg } from '../login/qr.ts';
import { finishInteraction, loadInteraction, requireLoginPrompt, restartUrl, type Interaction } from '../login/interaction.ts';
import { rememberAccount } from '../login/rememberedAccount.ts';
import { authenticationContext } from '../oidc/authContext.ts';
import { ProtocolError } from '../protocol/errors.ts';
import { enrollmentUrl } from '../protocol/urls.ts';
import type { Services } from '../services.ts';
import { findAccountById } from '../store/accounts.ts';
import { findDevice } from '../store/devices.ts';
import { completeSignup, signupAllowed, signupOf, SignupRefused, startSignup, type SignupEnrollment } from './signup.ts';

const FORM_LIMIT = 8 * 1024;

type SignupState = 'pending' | 'enrolled' | 'expired';

function stateOf(enrollment: SignupEnrollment | undefined, now: number): SignupState {
  if (enrollment?.status === 'enrolled' && enrollment.completed_at === null) return 'enrolled';
  if (enrollment?.status === 'pending' && enrollment.expires_at > now) return 'pending';
  return 'expired';
}

export function mountSignupRoutes(router: Router, services: Services): void {
  const { db, clock } = services;
  const page = (uid: string, rest = '') => `${services.basePath}/interaction/${uid}/signup${rest}`;

  /** The sign-in, still at its login prompt, on a server that allows sign-up. */
  async function signupInteraction(ctx: Context): Promise<Interaction> {
    const interaction = await loadInteraction(ctx, services);
    requireLoginPrompt(interaction);
    if (!signupAllowed(services.config.signup)) {
      throw new ProtocolError(403, 'access_denied', 'Sign-up is not available here. Ask your administrator for an invite.');
    }
    return interaction;
  }

  async function showForm(ctx: Context, interaction: Interaction, values: { email: string; name: string }, error: string | null, status = 200): Promise<void> {
    await render(ctx, 'signup', { uid: interaction.uid, email: values.email, name: values.name, error }, status);
  }

  router.get('/interaction/:uid/signup', async (ctx) => {
    const interaction = await signupInteraction(ctx);
    await showForm(ctx, interaction, { email: '', name: '' }, null);
  });

  router.post('/interaction/:uid/signup', async (ctx) => {
    const interaction = await signupInteraction(ctx);
    const form = parseForm((await readBody(ctx, FORM_LIMIT)).toString('utf8'));
    const values = { email: typeof form.email === 'string' ? form.email : '', name: typeof form.name === 'string' ? form.name : '' };
    try {
      await startSignup(services, {
        uid: interaction.uid,
        ip: clientIp(ctx),
        clientId: String(interaction.params.client_id),
        expiresAt: interaction.exp,
        ...values,
      });
    } catch (error) {
      if (!(error instanceof SignupRefused)) throw error;
      return showForm(ctx, interaction, values, error.message, 400);
    }
    ctx.status = 303;
    ctx.redirect(page(interaction.uid, '/qr'));
  });

  router.get('/interaction/:uid/signup/qr', async (ctx) => {
    const interaction = await signupInteraction(ctx);
    const enrollment = await signupOf(db, interaction.uid);
    const state = stateOf(enrollment, clock());
    const url = state === 'pending' ? enrollmentUrl(services.issuer, enrollment!.eid) : null;
    await render(ctx, 'signup-qr', {
      uid: interaction.uid,
      state,
      url,
      svg: url ? await qrSvg(url) : null,
      email: enrollment ? (await findAccountById(db, enrollment.account_id))?.email ?? '' : '',
      restartUrl: restartUrl(services.basePath, interaction),
    });
  });

  router.get('/interaction/:uid/signup/status', async (ctx) => {
    const interaction = await signupInteraction(ctx);
    const state = stateOf(await signupOf(db, interaction.uid), clock());
    ctx.set('Cache-Control', 'no-store');
    ctx.body = state === 'enrolled' ? { status: state, complete_url: page(interaction.uid, '/complete') } : { status: state };
  });

  router.get('/interaction/:uid/signup/complete', async (ctx) => {
    const interaction = await signupInteraction(ctx);
    const enrollment = await signupOf(db, interaction.uid);
    // Exactly once per enrollment: a second tab or a replayed /complete goes back to the QR page.
    if (!enrollment || enrollment.status !== 'enrolled' || !(await completeSignup(db, enrollment.eid, clock()))) {
      return ctx.redirect(page(interaction.uid, '/qr'));
    }
    const device = await findDevice(db, enrollment.device_id!);
    if (!device || device.status !== 'active') {
      return finishInteraction(ctx, services, { error: 'access_denied', error_description: 'The phone that enrolled can no longer sign in.' });
    }
    await rememberAccount(ctx, services, enrollment.account_id);
    await finishInteraction(ctx, services, {
      login: { accountId: enrollment.account_id, ...authenticationContext(false), remember: true, device_id: device.id },
    });
  });
}
