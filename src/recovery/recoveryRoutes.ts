// The browser's side of a recovery, inside the sign-in's OIDC interaction ("Lost your phone? Use
// a recovery code" on the sign-in page):
//   GET  /interaction/:uid/recovery   the form (email, recovery code)
//   POST /interaction/:uid/recovery   uses the code up and makes a `recovery` enrollment → QR page
//   GET  /interaction/:uid/recovery/qr, /status, /complete: the enrollment's QR code, its state,
//        and the sign-in once the new phone enrolled (src/enrollment/signInEnrollments.ts)
import type Router from '@koa/router';
import type { Context } from 'koa';
import { mountSignInEnrollmentPages } from '../enrollment/signInEnrollments.ts';
import { readFormFields } from '../http/form.ts';
import { clientIp } from '../http/ip.ts';
import { render } from '../http/render.ts';
import { loadInteraction, requireLoginPrompt, type Interaction } from '../login/interaction.ts';
import type { Services } from '../services.ts';
import { RecoveryRefused, redeemRecoveryCode } from './recovery.ts';

export function mountRecoveryRoutes(router: Router, services: Services): void {
  /** The sign-in, still waiting for a login. */
  async function recoveryInteraction(ctx: Context): Promise<Interaction> {
    const interaction = await loadInteraction(ctx, services);
    requireLoginPrompt(interaction);
    return interaction;
  }

  router.get('/interaction/:uid/recovery', async (ctx) => {
    const interaction = await recoveryInteraction(ctx);
    await render(ctx, 'recovery', { uid: interaction.uid, email: '', error: null });
  });

  router.post('/interaction/:uid/recovery', async (ctx) => {
    const interaction = await recoveryInteraction(ctx);
    const values = await readFormFields(ctx, ['email', 'code']);
    try {
      await redeemRecoveryCode(services, {
        ...values,
        uid: interaction.uid,
        ip: clientIp(ctx),
        clientId: String(interaction.params.client_id),
        expiresAt: interaction.exp,
      });
    } catch (error) {
      if (!(error instanceof RecoveryRefused)) throw error;
      // The email is shown again (as typed, escaped), the code never.
      return render(ctx, 'recovery', { uid: interaction.uid, email: values.email.slice(0, 254), error: error.message }, error.status);
    }
    ctx.status = 303;
    ctx.redirect(`${services.basePath}/interaction/${interaction.uid}/recovery/qr`);
  });

  mountSignInEnrollmentPages(router, services, { kind: 'recovery', qrView: 'recovery-qr', interaction: recoveryInteraction });
}
