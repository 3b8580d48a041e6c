// Loading the oidc-provider interaction a browser is in. The `_interaction` cookie (scoped to
// /interaction/<uid>) is what binds the page, its event stream, its status and /complete to the
// browser that started the login: another browser holding only the uid gets nothing.
import type { Context } from 'koa';
import type { InteractionResults } from 'oidc-provider';
import { ProtocolError } from '../protocol/errors.ts';
import type { Services } from '../services.ts';
import { clientIp } from '../http/ip.ts';
import { requestedIdTokenAcr, requestRequiresUserVerification } from '../oidc/authContext.ts';
import { authorizationDetailsText } from '../oidc/richAuthorization.ts';
import { expectedAccount, type ExpectedAccount } from './expectedAccount.ts';
import type { BrowserContext } from './loginRequests.ts';

export type Interaction = Awaited<ReturnType<Services['provider']['interactionDetails']>>;

export async function loadInteraction(ctx: Context, services: Services): Promise<Interaction> {
  const interaction = await services.provider.interactionDetails(ctx.req, ctx.res);
  if (interaction.uid !== ctx.params.uid) {
    throw new ProtocolError(400, 'invalid_request', 'This page belongs to another sign-in. Go back to the app and sign in again.');
  }
  return interaction;
}

export function requireLoginPrompt(interaction: Interaction): void {
  if (interaction.prompt.name !== 'login') {
    throw new ProtocolError(409, 'invalid_request', 'This sign-in is no longer waiting for a QR code.');
  }
}

/** `expected`: the account the sign-in expects, when the caller has it already (expectedAccount.ts). */
export async function browserContext(ctx: Context, services: Services, interaction: Interaction, expected?: ExpectedAccount | null): Promise<BrowserContext> {
  const expecting = expected === undefined ? await expectedAccount(ctx, services, interaction) : expected;
  return {
    uid: interaction.uid,
    clientId: String(interaction.params.client_id),
    ip: clientIp(ctx),
    userAgent: ctx.get('user-agent') || 'unknown browser',
    signInExpiresAt: interaction.exp,
    expected: expecting ? { accountId: expecting.account.id, from: expecting.from } : null,
    requestRequiresUserVerification: requestRequiresUserVerification(interaction.params.acr_values, requestedIdTokenAcr(interaction.params.claims)),
    authorizationDetails: authorizationDetailsText(interaction.params.authorization_details),
  };
}

/**
 * Hands the result to oidc-provider and sends the browser back to it, as the engine's own
 * `interactionFinished` does, but on the interaction this request has already read: that call
 * would read it from storage a second time. Consent merges with the login result it follows; a
 * login or an error replaces whatever came before.
 */
export async function finishInteraction(ctx: Context, interaction: Interaction, result: InteractionResults): Promise<void> {
  await saveResult(interaction, 'consent' in result ? { ...interaction.lastSubmission, ...result } : result);
  ctx.res.statusCode = 303;
  ctx.res.setHeader('Location', interaction.returnTo);
  ctx.res.setHeader('Content-Length', '0');
  ctx.res.end();
  // Only once the response is sent: if saving throws instead, our error page must still go out.
  ctx.respond = false;
}

/** Stores the result the engine's resume (`interaction.returnTo`) will act on. */
export async function saveResult(interaction: Interaction, result: InteractionResults): Promise<void> {
  interaction.result = result;
  // The engine's own clock (epoch seconds), as its `exp` is.
  await interaction.save(interaction.exp - Math.floor(Date.now() / 1000));
}

/** The authorization request to start again with, for a page whose interaction has ended. */
export function restartUrl(basePath: string, interaction: Interaction): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(interaction.params)) {
    if (typeof value === 'string') params.set(key, value);
  }
  return `${basePath}/auth?${params}`;
}
