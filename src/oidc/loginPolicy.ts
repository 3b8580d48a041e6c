// The engine's interaction policy with Scanin's own reasons to show the QR code again, where the
// browser's session would otherwise do: a session is reused for a client only when its login
// proved what this request needs.
// - `user_verification_required`: the client requires a verified user (clients.json
//   `require_user_verification`, or acr_values naming only the verified level: authContext.ts),
//   and the session's login (or the one just finished: a sign-up or a recovery, which no phone
//   verified) was not: the phone must approve again, with its user verified.
import { interactionPolicy, type KoaContextWithOIDC } from 'oidc-provider';
import { ACR_DEVICE_VERIFIED, requestRequiresUserVerification } from './authContext.ts';

const { Check, base } = interactionPolicy;

/** Whether this authorization request, from this client, needs a login the phone verified. */
export function needsUserVerification(ctx: KoaContextWithOIDC): boolean {
  const client = ctx.oidc.client as unknown as { require_user_verification?: boolean } | undefined;
  return client?.require_user_verification === true || requestRequiresUserVerification(ctx.oidc.params?.acr_values, ctx.oidc.claims?.id_token?.acr as never);
}

export function loginPolicy(): interactionPolicy.DefaultPolicy {
  const policy = base();
  policy.get('login')!.checks.add(
    new Check('user_verification_required', 'the client requires a login verified on the phone', 'login_required', (ctx) =>
      needsUserVerification(ctx) && ctx.oidc.acr !== ACR_DEVICE_VERIFIED ? Check.REQUEST_PROMPT : Check.NO_NEED_TO_PROMPT,
    ),
  );
  return policy;
}
