// CIBA (OpenID Client-Initiated Backchannel Authentication, poll and ping): an app with no screen
// for a QR code names the person by email (`login_hint`). The request becomes a login request of
// kind `backchannel` bound to that account; it waits in the inbox of the account's devices
// (inboxRoutes.ts); the phone reads and answers it as it would a scanned QR code; the answer goes
// to the engine, which hands the app its tokens on its next poll, or pings it first.
import type Provider from 'oidc-provider';
import { errors, type Account, type CIBAConfiguration, type BackchannelAuthenticationRequest, type Client, type KoaContextWithOIDC } from 'oidc-provider';
import type { Clock } from '../clock.ts';
import type { Config } from '../config/env.ts';
import { inboxTopic, type EventBus } from '../events/bus.ts';
import { newChallenge, newId } from '../ids.ts';
import { newMatchNumbers } from '../login/numbers.ts';
import { authenticationContext, requestRequiresUserVerification, requestedIdTokenAcr } from '../oidc/authContext.ts';
import type { UserVerificationMethod } from '../protocol/userVerification.ts';
import { findAccountByEmail, normalizeEmail } from '../store/accounts.ts';
import type { Logger } from '../log/logger.ts';
import type { Pusher } from '../push/pusher.ts';
import type { Db } from '../store/db.ts';
import { listDevices } from '../store/devices.ts';
import { mayUseClient } from '../oidc/accessRules.ts';
import { recordAudit } from '../audit/audit.ts';
import { insertLoginRequest, type LoginRequest } from '../store/loginRequests.ts';

export type BackchannelInputs = { db: Db; clock: Clock; config: Config; bus: EventBus; pusher: Pusher; log: Logger };

/** With number matching on, the binding message is the number: the app shows it, the phone offers it among three. */
const TWO_DIGITS = /^\d{2}$/;
/** Otherwise any short text the phone can show as is (the engine's own rule). */
const PLAIN_MESSAGE = /^[a-zA-Z0-9-._+/!?#]{1,20}$/;

/** The engine's `features.ciba` for Scanin. */
export function cibaFeature({ db, clock, config, bus, pusher, log }: BackchannelInputs): CIBAConfiguration {
  return {
    enabled: true as const,
    deliveryModes: ['poll', 'ping'] as Array<'poll' | 'ping'>,

    async processLoginHint(ctx: KoaContextWithOIDC, loginHint?: string): Promise<string> {
      const email = loginHint === undefined ? null : normalizeEmail(loginHint);
      const account = email ? await findAccountByEmail(db, email) : undefined;
      if (!account) throw new errors.UnknownUserId('login_hint must be the email address of a Scanin account');
      // Refused before the phone is asked: no approval could give this person the app (oidc/accessRules.ts).
      if (!(await mayUseClient(db, clock, ctx, account.id))) {
        await recordAudit({ db, clock, config, log }, { event: 'login.refused', account_id: account.id, client_id: ctx.oidc.client!.clientId, detail: { reason: 'not_in_allowed_groups', flow: 'backchannel' } });
        throw new errors.AccessDenied('this person is in none of the groups this app allows (clients.json "allowed_groups")');
      }
      const devices = await listDevices(db, account.id);
      if (!devices.some((device) => device.status === 'active')) {
        throw new errors.UnknownUserId('this person has no enrolled device that could approve the request');
      }
      return account.id;
    },

    async processLoginHintToken(): Promise<string> {
      throw new errors.InvalidRequest('login_hint_token is not supported: name the person by email in login_hint');
    },

    // Scanin does not use user codes (backchannel_user_code_parameter_supported is false).
    async verifyUserCode(): Promise<void> {},

    // request_context is not used for any decision.
    async validateRequestContext(): Promise<void> {},

    async validateBindingMessage(_ctx: KoaContextWithOIDC, message: string | undefined): Promise<void> {
      if (config.numberMatching) {
        if (message === undefined || !TWO_DIGITS.test(message)) {
          throw new errors.InvalidBindingMessage('number matching is on: binding_message must be the two-digit number the app shows the person, e.g. "64"');
        }
        return;
      }
      if (message !== undefined && !PLAIN_MESSAGE.test(message)) {
        throw new errors.InvalidBindingMessage('binding_message must be 1 to 20 characters from A-Z a-z 0-9 - . _ + / ! ? #');
      }
    },

    async triggerAuthenticationDevice(_ctx: KoaContextWithOIDC, request: BackchannelAuthenticationRequest, account: Account, client: Client): Promise<void> {
      const now = clock();
      const bindingMessage = typeof request.params?.binding_message === 'string' ? request.params.binding_message : null;
      const rid = newId();
      await insertLoginRequest(db, {
        rid,
        uid: request.jti,
        generation: 1,
        challenge: newChallenge(),
        client_id: client.clientId,
        // No browser: the phone shows the app and the binding message instead.
        browser_ip: '',
        user_agent: '',
        ...(config.numberMatching && bindingMessage ? newMatchNumbers(bindingMessage) : { match_number: null, number_choices: null }),
        status: 'pending',
        device_id: null,
        account_id: null,
        created_at: now,
        expires_at: now + request.expiration,
        // The app's request is the whole sign-in: it ends when the request does.
        sign_in_expires_at: now + request.expiration,
        answered_at: null,
        wrong_number: false,
        kind: 'backchannel',
        binding_message: bindingMessage,
        expected_account_id: account.accountId,
        expected_from: 'login_hint',
        user_verification_required:
          (client as unknown as { require_user_verification?: boolean }).require_user_verification === true ||
          requestRequiresUserVerification(request.params?.acr_values, requestedIdTokenAcr(request.params?.claims)),
      });
      await bus.publish(inboxTopic(account.accountId), { type: 'inbox', data: { rid } });
      // A phone whose app is closed hears of it by push; the app's request does not wait for that.
      void pusher.notifyAccount(account.accountId, 'sign_in', { ttl: request.expiration });
    },
  };
}

/**
 * Hands a phone's answer to a backchannel request to the engine: an approval becomes a grant of
 * what the app asked for, with the acr and amr of the answer; anything else is access_denied.
 * A ping that does not reach the app is logged, not thrown: the app still gets its answer when
 * it polls.
 */
export async function finishBackchannelRequest(
  { provider, log }: { provider: Provider; log: Logger },
  request: LoginRequest,
  answer: { approved: boolean; accountId: string; verification: { verified: boolean; method: UserVerificationMethod | null }; at: number },
): Promise<void> {
  const pending = await provider.BackchannelAuthenticationRequest.find(request.uid, { ignoreExpiration: true });
  if (!pending) return;
  try {
    if (!answer.approved) {
      await provider.backchannelResult(pending, new errors.AccessDenied('the person denied the request on their phone'));
      return;
    }
    const grant = new provider.Grant({ accountId: answer.accountId, clientId: pending.clientId });
    if (pending.scope) grant.addOIDCScope(pending.scope);
    const claims = pending.claims as { id_token?: Record<string, unknown>; userinfo?: Record<string, unknown> } | undefined;
    const claimNames = [...Object.keys(claims?.id_token ?? {}), ...Object.keys(claims?.userinfo ?? {})];
    if (claimNames.length) grant.addOIDCClaims(claimNames);
    await grant.save();
    await provider.backchannelResult(pending, grant, { ...authenticationContext(answer.verification.verified, answer.verification.method), authTime: answer.at });
  } catch (error) {
    log.error({ err: error, client_id: pending.clientId }, 'CIBA: could not deliver the answer');
  }
}
