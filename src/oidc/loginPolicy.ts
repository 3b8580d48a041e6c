// The engine's interaction policy with Scanin's own reasons to show the QR code again, where the
// browser's session would otherwise do: a session is reused for a client only when its login
// proved what this request needs.
// - `user_verification_required`: the client requires a verified user (clients.json
//   `require_user_verification`, or acr_values naming only the verified level: authContext.ts),
//   and the session's login (or the one just finished: a sign-up or a recovery, which no phone
//   verified) was not: the phone must approve again, with its user verified.
// - `transaction_approval`: the request carries authorization_details (RFC 9396) that no phone
//   approved in this sign-in (oidc/richAuthorization.ts): a session, however fresh, never
//   approves a transaction; the phone must be shown it.
// - `access_refused`: the session's account (a reused one, or the one a phone just approved) is
//   in none of the client's `allowed_groups` (accessRules.ts). It is the login prompt's so that
//   prompt=none gets access_denied and the person our refusal page (login/interactionRoutes.ts),
//   never a code.
import { interactionPolicy, type KoaContextWithOIDC } from 'oidc-provider';
import { ACR_DEVICE_VERIFIED, requestRequiresUserVerification } from './authContext.ts';
import { needsTransactionApproval } from './richAuthorization.ts';
import { ACCESS_REFUSED } from './accessRules.ts';

const { Check, base } = interactionPolicy;

/** Whether this authorization request, from this client, needs a login the phone verified. */
export function needsUserVerification(ctx: KoaContextWithOIDC): boolean {
  const client = ctx.oidc.client as unknown as { require_user_verification?: boolean } | undefined;
  return client?.require_user_verification === true || requestRequiresUserVerification(ctx.oidc.params?.acr_values, ctx.oidc.claims?.id_token?.acr as never);
}

/** `mayUse`: whether the account may use the request's client (accessRules.ts mayUseClient). */
export function loginPolicy(mayUse: (ctx: KoaContextWithOIDC, accountId: string) => Promise<boolean>): interactionPolicy.DefaultPolicy {
  const policy = base();
  policy.get('login')!.checks.add(
    new Check('user_verification_required', 'the client requires a login verified on the phone', 'login_required', (ctx) =>
      needsUserVerification(ctx) && ctx.oidc.acr !== ACR_DEVICE_VERIFIED ? Check.REQUEST_PROMPT : Check.NO_NEED_TO_PROMPT,
    ),
  );
  policy.get('login')!.checks.add(
    new Check('transaction_approval', 'the client asks the person to approve authorization_details on the phone', 'login_required', (ctx) =>
      needsTransactionApproval(ctx) ? Check.REQUEST_PROMPT : Check.NO_NEED_TO_PROMPT,
    ),
  );
  policy.get('login')!.checks.add(
    new Check(ACCESS_REFUSED, 'the person is in none of the groups this client allows', 'access_denied', async (ctx) => {
      const accountId = ctx.oidc.session?.accountId;
      return accountId !== undefined && !(await mayUse(ctx, accountId)) ? Check.REQUEST_PROMPT : Check.NO_NEED_TO_PROMPT;
    }),
  );
  // The phone's approval is the person's consent to the details; the engine's own consent
  // check for them would ask a second time, on a page that cannot show them.
  policy.get('consent')!.checks.remove('rar_prompt');
  return policy;
}
