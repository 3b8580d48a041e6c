// The browser's side of a sign-up, inside the sign-in's OIDC interaction (SIGNUP, signup.ts):
//   GET  /interaction/:uid/signup           the form (email, name)
//   POST /interaction/:uid/signup           makes the account and its enrollment → the QR page
//   GET  /interaction/:uid/signup/qr, /status, /complete: the enrollment's QR code, its state,
//        and the sign-in once the phone enrolled (src/enrollment/signInEnrollments.ts)
import type Router from '@koa/router';
import type { Context } from 'koa';
import { readFormFields } from '../http/form.ts';
import { clientIp } from '../http/ip.ts';
import { mountSignInEnrollmentPages } from '../enrollment/signInEnrollments.ts';
import { render } from '../http/render.ts';
import { loadInteraction, requireLoginPrompt, type Interaction } from '../login/interaction.ts';
import { ProtocolError } from '../protocol/errors.ts';
import type { Services } from '../services.ts';
import { signupAllowed, SignupRefused, startSignup } from './signup.ts';

export function mountSignupRoutes(router: Router, services: Services): void {
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
    const values = await readFormFields(ctx, ['email', 'name']);
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

  mountSignInEnrollmentPages(router, services, { kind: 'signup', qrView: 'signup-qr', interaction: signupInteraction });
}
