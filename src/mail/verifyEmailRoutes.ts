// GET and POST /email/verify/:token — the link a new account's confirmation mail carries. GET
// only shows what would be confirmed (mail scanners and link previews open links; they must not
// confirm anything); the person's POST, from this page, confirms it, once.
import type Router from '@koa/router';
import { recordAudit } from '../audit/audit.ts';
import { clientIp } from '../http/ip.ts';
import { render } from '../http/render.ts';
import { requireSameOrigin } from '../http/sameOrigin.ts';
import { ProtocolError } from '../protocol/errors.ts';
import type { Services } from '../services.ts';
import { findAccountById, markEmailVerified } from '../store/accounts.ts';
import { findEmailVerification, useEmailVerification, type EmailVerification } from '../store/emailVerifications.ts';

const TOKEN = /^[A-Za-z0-9_-]{43}$/;

const unknownLink = () => new ProtocolError(404, 'not_found', 'This confirmation link is not valid. Copy the whole link from the message, or ask for a new one.');

/** The link's row while it can still confirm its address; otherwise the page that says why not. */
async function usableVerification(services: Services, token: string): Promise<EmailVerification> {
  const verification = TOKEN.test(token) ? await findEmailVerification(services.db, token) : undefined;
  if (!verification) throw unknownLink();
  const account = await findAccountById(services.db, verification.account_id);
  if (!account || account.email !== verification.email) throw new ProtocolError(410, 'expired', 'The account this link was sent for no longer has this address, so it cannot be confirmed.');
  if (verification.used_at !== null) throw new ProtocolError(410, 'expired', `This link was used already: ${verification.email} is confirmed.`);
  if (verification.expires_at <= services.clock()) throw new ProtocolError(410, 'expired', 'This confirmation link has expired. Sign in and ask your administrator for a new one.');
  return verification;
}

export function mountVerifyEmailRoutes(router: Router, services: Services): void {
  router.get('/email/verify/:token', async (ctx) => {
    const verification = await usableVerification(services, ctx.params.token!);
    await render(ctx, 'email-verify', { title: 'Confirm your email address', email: verification.email, token: ctx.params.token });
  });

  router.post('/email/verify/:token', async (ctx) => {
    requireSameOrigin(ctx, services.issuer);
    const token = ctx.params.token!;
    const verification = await usableVerification(services, token);
    // One winner among concurrent posts; the account keeps the address only if it still has it.
    if (!(await useEmailVerification(services.db, token, services.clock()))) await usableVerification(services, token);
    if (!(await markEmailVerified(services.db, verification.account_id, verification.email))) await usableVerification(services, token);
    await recordAudit(services, { event: 'account.email_verified', account_id: verification.account_id, ip: clientIp(ctx), detail: { email: verification.email } });
    await render(ctx, 'email-verified', { title: 'Email address confirmed', email: verification.email });
  });
}
