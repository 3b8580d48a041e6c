// Telling apps that a browser signed out from the account page: each app the ended sessions
// signed in to that registered a `backchannel_logout_uri` gets the engine's signed logout token
// (with the session's `sid` when it asked for it), as when the person signs out at the engine's
// own /session/end. Read before the sessions are deleted, sent after; an app that does not answer
// is logged and does not stop the sign-out (its tokens are already revoked).
import type { Services } from '../services.ts';

export type EndedSession = { accountId: string; authorizations: Record<string, { sid?: string }> };

/** The sessions (by uid) as they are now, for `notifyLogout` once they are ended. */
export async function sessionsToNotify(services: Services, uids: string[]): Promise<EndedSession[]> {
  const found: EndedSession[] = [];
  for (const uid of uids) {
    const session = await services.provider.Session.findByUid(uid);
    if (session?.accountId) found.push({ accountId: session.accountId, authorizations: (session.authorizations ?? {}) as EndedSession['authorizations'] });
  }
  return found;
}

/** What the engine's Client offers for this (its typings leave the method out). */
type LogoutClient = { backchannelLogoutUri?: string; backchannelLogout(sub: string, sid: string): Promise<void> };

export async function notifyLogout(services: Services, sessions: EndedSession[]): Promise<void> {
  const calls: Promise<void>[] = [];
  for (const session of sessions) {
    for (const [clientId, { sid }] of Object.entries(session.authorizations)) {
      const client = (await services.provider.Client.find(clientId).catch(() => undefined)) as LogoutClient | undefined;
      if (!client?.backchannelLogoutUri) continue;
      calls.push(client.backchannelLogout(session.accountId, sid ?? '').catch((error: unknown) => {
        services.log.warn({ err: error, client_id: clientId }, 'back-channel logout failed');
      }));
    }
  }
  await Promise.all(calls);
}
