// The browser's side of a login, under /interaction/:uid (oidc-provider's interaction):
//   GET  /interaction/:uid           the QR page (login prompt), the consent page, or the
//                                    refusal of a person the app's access rules keep out
//                                    (until they choose another account there)
//   GET  /interaction/:uid/events    Server-Sent Events while the page waits
//   GET  /interaction/:uid/status    the same state as JSON, for reconnects and polling
//   GET  /interaction/:uid/complete  finishes the login the phone approved (or denied)
//   POST /interaction/:uid/confirm   consent given
//   POST /interaction/:uid/abort     the person cancels: the app gets access_denied
//   POST /interaction/:uid/another-account   "Use another account": this sign-in no longer
//                                    expects the browser's own account (expectedAccount.ts); from
//                                    the refusal page, its QR code is shown again for any account
//   POST /interaction/:uid/forget-account    "Forget this account": that, and the browser
//                                    forgets the account it remembered (rememberedAccount.ts)
import type Router from '@koa/router';
import type { Context } from 'koa';
import { render } from '../http/render.ts';
import { authenticationContext } from '../oidc/authContext.ts';
import { isUserVerificationMethod } from '../protocol/userVerification.ts';
import type { Services } from '../services.ts';
import { findAccountById } from '../store/accounts.ts';
import { rememberConsent } from '../store/consents.ts';
import { closeLoginRequests, completeLatestApproval, latestLoginRequest, type LoginRequest } from '../store/loginRequests.ts';
import { authorizationDetailsHash } from '../protocol/authorizationDetails.ts';
import { openEventStream } from './eventStream.ts';
import { browserContext, finishInteraction, loadInteraction, requireLoginPrompt, restartUrl, saveResult, type Interaction } from './interaction.ts';
import { ACCESS_REFUSED } from '../oidc/accessRules.ts';
import { recordAudit } from '../audit/audit.ts';
import { clientIp } from '../http/ip.ts';
import { originOf } from '../http/csp.ts';
import { cleanText, TEXT_LIMITS } from '../text/cleanText.ts';
import { approvedBy } from './approvedBy.ts';
import { browserState, liveLoginRequest } from './loginRequests.ts';
import { qrView } from './qrView.ts';
import { signupAllowed } from '../signup/signup.ts';
import { requireSameOrigin } from '../http/sameOrigin.ts';
import { anyAccountChosen, chooseAnyAccount } from '../store/rememberedBrowsers.ts';
import { expectedAccount, liftable } from './expectedAccount.ts';
import { forgetRememberedAccount, rememberAccount } from './rememberedAccount.ts';

/** The hash of the authorization_details the phone signed (its adh), for the engine to check them against the request (oidc/richAuthorization.ts). */
function approvedDetails(request: LoginRequest): { authorization_details_sha256?: string } {
  return request.authorization_details ? { authorization_details_sha256: authorizationDetailsHash(request.authorization_details) } : {};
}

async function clientName(services: Services, interaction: Interaction): Promise<string> {
  const clientId = String(interaction.params.client_id);
  const client = await services.provider.Client.find(clientId);
  return cleanText(client?.clientName ?? clientId, TEXT_LIMITS.clientName);
}

async function showLogin(ctx: Context, services: Services, interaction: Interaction): Promise<void> {
  const expected = await expectedAccount(ctx, services, interaction);
  const request = await liveLoginRequest(services, await browserContext(ctx, services, interaction, expected), { firstView: true });
  const qr = qrView(services.issuer, request);
  // Only the browser's own account is named on the page: one an app named with login_hint would
  // tell anyone who types an email into an authorization URL whose account it is.
  const continueAs = expected && liftable(expected.from)
    ? { name: cleanText(expected.account.name, TEXT_LIMITS.name), email: cleanText(expected.account.email, TEXT_LIMITS.email), forgettable: expected.from === 'remembered' }
    : null;
  ctx.set('Cache-Control', 'no-store');
  await render(ctx, 'login', {
    uid: interaction.uid,
    clientName: await clientName(services, interaction),
    url: qr.url,
    svg: qr.svg,
    rid: request.rid,
    expiresAt: qr.expires_at,
    restartUrl: restartUrl(services.basePath, interaction),
    signupAllowed: signupAllowed(services.config.signup),
    continueAs,
    // The number to pick, once a device has read this code: only ever in this page's HTML.
    number: request.status === 'scanned' && request.expires_at > services.clock() ? request.match_number : null,
  }, 200, appOrigins(interaction));
}

/** Where this page's forms may end up: the engine redirects a finished sign-in to the app. */
function appOrigins(interaction: Interaction): string[] {
  const origin = originOf(interaction.params.redirect_uri);
  return origin ? [origin] : [];
}

function requestedItems(interaction: Interaction): string[] {
  const details = interaction.prompt.details as { missingOIDCScope?: string[]; missingOIDCClaims?: string[] };
  const labels: Record<string, string> = { openid: 'Your Scanin identity', email: 'Your email address', profile: 'Your name' };
  const scopes = (details.missingOIDCScope ?? []).map((scope) => labels[scope] ?? `Access: ${scope}`);
  const claims = (details.missingOIDCClaims ?? []).filter((claim) => !['sub', 'sid', 'auth_time', 'acr', 'amr', 'iss'].includes(claim));
  return [...scopes, ...claims.map((claim) => `The claim “${claim}”`)];
}

async function showConsent(ctx: Context, services: Services, interaction: Interaction): Promise<void> {
  const account = await findAccountById(services.db, interaction.session!.accountId);
  await render(ctx, 'consent', {
    uid: interaction.uid,
    clientName: await clientName(services, interaction),
    accountEmail: account ? cleanText(account.email, TEXT_LIMITS.email) : 'unknown',
    requested: requestedItems(interaction),
  }, 200, appOrigins(interaction));
}

/**
 * Whether the login prompt is there only because the session's account may not use the client
 * (oidc/accessRules.ts): a phone approved, or a session would be reused, for someone outside its
 * allowed_groups. With any other reason too (prompt=login, a verified login required), the QR
 * code is shown first: the person may sign in with an account that has access.
 */
function isAccessRefusal(interaction: Interaction): boolean {
  return interaction.prompt.name === 'login' && interaction.prompt.reasons.length === 1 && interaction.prompt.reasons[0] === ACCESS_REFUSED;
}

/**
 * A refusal the person has not put behind them with "Sign in with another account" (which only
 * the refusal page offers, as its sign-in asks for nothing else). Each refusal is a sign-in of
 * its own: the engine asks for the login again after every answer, so a refused account that
 * approves again meets a new refusal.
 */
async function standingRefusal(services: Services, interaction: Interaction): Promise<boolean> {
  return isAccessRefusal(interaction) && !(await anyAccountChosen(services.db, interaction.uid));
}

/**
 * Tells the person, and stores access_denied as the sign-in's result: the page's link back
 * resumes it, and the app gets the error. Recorded once, however often the page is reloaded.
 */
async function showRefusal(ctx: Context, services: Services, interaction: Interaction): Promise<void> {
  const accountId = interaction.session!.accountId;
  const clientId = String(interaction.params.client_id);
  if (!interaction.result) {
    await recordAudit(services, { event: 'login.refused', account_id: accountId, client_id: clientId, ip: clientIp(ctx), detail: { reason: 'not_in_allowed_groups', flow: 'browser' } });
    await saveResult(interaction, { error: 'access_denied', error_description: 'The person is in none of the groups allowed to use this app.' });
  }
  const account = await findAccountById(services.db, accountId);
  ctx.set('Cache-Control', 'no-store');
  await render(ctx, 'access-refused', {
    clientName: await clientName(services, interaction),
    accountEmail: account ? cleanText(account.email, TEXT_LIMITS.email) : 'unknown',
    returnTo: interaction.returnTo,
    anotherAccountUrl: `${services.basePath}/interaction/${interaction.uid}/another-account`,
  }, 403);
}

export function mountInteractionRoutes(router: Router, services: Services): void {
  const { db, clock, provider } = services;

  router.get('/interaction/:uid', async (ctx) => {
    const interaction = await loadInteraction(ctx, services);
    if (interaction.prompt.name === 'consent') return showConsent(ctx, services, interaction);
    if (await standingRefusal(services, interaction)) return showRefusal(ctx, services, interaction);
    requireLoginPrompt(interaction);
    await showLogin(ctx, services, interaction);
  });

  router.get('/interaction/:uid/events', async (ctx) => {
    const interaction = await loadInteraction(ctx, services);
    requireLoginPrompt(interaction);
    const shownRid = typeof ctx.query.rid === 'string' ? ctx.query.rid : undefined;
    await openEventStream(ctx, services, await browserContext(ctx, services, interaction), interaction.exp, shownRid);
  });

  router.get('/interaction/:uid/status', async (ctx) => {
    const interaction = await loadInteraction(ctx, services);
    requireLoginPrompt(interaction);
    const request = await liveLoginRequest(services, await browserContext(ctx, services, interaction));
    ctx.set('Cache-Control', 'no-store');
    const state = browserState(request, clock(), services.basePath);
    const account = state.status === 'approved' ? { account: await approvedBy(db, request.account_id) } : {};
    ctx.body = { ...state, ...account, qr: qrView(services.issuer, request) };
  });

  router.get('/interaction/:uid/complete', async (ctx) => {
    const interaction = await loadInteraction(ctx, services);
    requireLoginPrompt(interaction);
    // Exactly one completion per approval: a second tab or a replayed /complete finds it used.
    const request = await completeLatestApproval(db, interaction.uid);
    if (!request) {
      const latest = await latestLoginRequest(db, interaction.uid);
      if (latest?.status === 'denied') {
        const error_description = latest.wrong_number ? 'The wrong number was picked on the phone.' : 'The sign-in was denied on the phone.';
        return finishInteraction(ctx, interaction, { error: 'access_denied', error_description });
      }
      return ctx.redirect(`${services.basePath}/interaction/${interaction.uid}`);
    }
    await rememberAccount(ctx, services, request.account_id!);
    // `device_id` rides along to the session the engine stores. The device may have been revoked
    // (or its account disabled) since it approved: that is checked once the session is stored
    // (oidc/sessionOrigin.ts), the one check no revocation can slip past.
    await finishInteraction(ctx, interaction, {
      login: { accountId: request.account_id!, ...authenticationContext(Boolean(request.user_verified), isUserVerificationMethod(request.uv_method) ? request.uv_method : null), remember: true, device_id: request.device_id!, ...approvedDetails(request) },
    });
  });

  router.post('/interaction/:uid/confirm', async (ctx) => {
    const interaction = await loadInteraction(ctx, services);
    if (interaction.prompt.name !== 'consent') return ctx.redirect(`${services.basePath}/interaction/${interaction.uid}`);
    const accountId = interaction.session!.accountId;
    const clientId = String(interaction.params.client_id);
    const details = interaction.prompt.details as { missingOIDCScope?: string[]; missingOIDCClaims?: string[] };
    const grant = interaction.grantId ? (await provider.Grant.find(interaction.grantId))! : new provider.Grant({ accountId, clientId });
    const scope = details.missingOIDCScope ?? [];
    const claims = details.missingOIDCClaims ?? [];
    if (scope.length) grant.addOIDCScope(scope.join(' '));
    if (claims.length) grant.addOIDCClaims(claims);
    const grantId = await grant.save();
    await rememberConsent(db, accountId, clientId, { scope, claims }, clock());
    await finishInteraction(ctx, interaction, { consent: { grantId } });
  });

  /** The sign-in at its login prompt, from a form on its own page. */
  async function fromOwnPage(ctx: Context): Promise<Interaction> {
    requireSameOrigin(ctx, services.issuer);
    const interaction = await loadInteraction(ctx, services);
    requireLoginPrompt(interaction);
    return interaction;
  }

  router.post('/interaction/:uid/another-account', async (ctx) => {
    const interaction = await fromOwnPage(ctx);
    // Holds for every code of this sign-in, the one already shown included (expectedAccountNow).
    await chooseAnyAccount(db, interaction.uid, interaction.exp);
    ctx.status = 303;
    ctx.redirect(`${services.basePath}/interaction/${interaction.uid}`);
  });

  router.post('/interaction/:uid/forget-account', async (ctx) => {
    const interaction = await fromOwnPage(ctx);
    await forgetRememberedAccount(ctx, services);
    await chooseAnyAccount(db, interaction.uid, interaction.exp);
    ctx.status = 303;
    ctx.redirect(`${services.basePath}/interaction/${interaction.uid}`);
  });

  router.post('/interaction/:uid/abort', async (ctx) => {
    const interaction = await loadInteraction(ctx, services);
    // The sign-in is over: its open request must not be answerable any more.
    await closeLoginRequests(db, interaction.uid, clock());
    await finishInteraction(ctx, interaction, { error: 'access_denied', error_description: 'The person cancelled the sign-in.' });
  });
}
