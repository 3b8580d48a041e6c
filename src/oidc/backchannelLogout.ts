// Telling apps that a browser session ended (OpenID Connect Back-Channel Logout 1.0): each app
// the session had signed in to that registered a `backchannel_logout_uri` gets the engine's
// signed logout token (with the session's `sid` when it asked for it), as when the person signs
// out at the engine's own /session/end. The logouts were queued with the sessions' end
// (sessions.ts), by the account page or by the CLI in another process; every instance sends
// what is due, at once after its own sign-outs and every few seconds for the others'. An app
// that does not answer is tried again later, sooner then less often, for about six hours; its
// tokens were revoked with the session all the same.
import type { Services } from '../services.ts';
import { MAX_ATTEMPTS, retryDelay } from '../store/outbox.ts';
import { claimDueLogouts, forgetLogout, type PendingLogout } from '../store/pendingLogouts.ts';

/** How often each instance looks for logouts queued elsewhere (the CLI, another instance). */
export const LOGOUT_DELIVERY_INTERVAL_MS = 5_000;

/** What the engine's Client offers for this (its typings leave the method out). */
type LogoutClient = { backchannelLogoutUri?: string; backchannelLogout(sub: string, sid: string): Promise<void> };

async function send(services: Services, logout: PendingLogout): Promise<void> {
  const client = (await services.provider.Client.find(logout.client_id).catch(() => undefined)) as LogoutClient | undefined;
  try {
    if (client?.backchannelLogoutUri) await client.backchannelLogout(logout.account_id, logout.sid ?? '');
  } catch (error) {
    const last = logout.attempts >= MAX_ATTEMPTS;
    services.log[last ? 'error' : 'warn']({ err: error, client_id: logout.client_id, attempts: logout.attempts }, last ? 'back-channel logout failed; given up' : 'back-channel logout failed; will try again');
    if (!last) return;
  }
  await forgetLogout(services.db, logout.id);
}

/**
 * Sends every logout due now, this instance's claim on each. Never rejects: a sign-out has
 * happened whatever its delivery does, and what is not sent now is sent later.
 */
export async function deliverDueLogouts(services: Services): Promise<void> {
  try {
    for (;;) {
      const now = services.clock();
      const batch = await claimDueLogouts(services.db, now, 50, (attempts) => now + retryDelay(attempts));
      if (!batch.length) return;
      await Promise.all(batch.map((logout) => send(services, logout)));
    }
  } catch (error) {
    services.log.error({ err: error }, 'back-channel logout delivery failed');
  }
}
