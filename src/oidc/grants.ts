// The applications a person let in: the engine's grants (one per sign-in session and client,
// or per CIBA or device-flow approval) and the consent Scanin remembers per person and client.
// Revoking an application ends both, with every access token, refresh token and code of those
// grants at once: introspection, userinfo and the token endpoint find nothing to honour. Plain
// database work, like sessions.ts.
import type { AdapterPayload } from 'oidc-provider';
import type { Db } from '../store/db.ts';
import { deleteGrants } from './sessions.ts';

export type AppSummary = {
  clientId: string;
  /** The OpenID scopes the live grants hold, and the remembered consent's, together. */
  scopes: string[];
  /** When the person first let it in, as far as the live grants and the consent tell. */
  since: number | null;
  /** Live grants: each is a sign-in (or approval) whose tokens are still honoured. */
  grants: number;
};

type GrantRow = { id: string; payload: string };
type GrantPayload = AdapterPayload & { clientId?: string; iat?: number; openid?: { scope?: string } };

async function liveGrants(db: Db, accountId: string, now: number): Promise<Array<{ id: string; payload: GrantPayload }>> {
  const rows = (await db('oidc_payloads')
    .where({ model: 'Grant', account_id: accountId })
    .andWhere((q) => q.whereNull('expires_at').orWhere('expires_at', '>', now))
    .select('id', 'payload')) as GrantRow[];
  return rows.map((row) => ({ id: row.id, payload: JSON.parse(row.payload) as GrantPayload }));
}

/** The account's applications: those with a live grant or a remembered consent, by client id. */
export async function listAccountApps(db: Db, accountId: string, now: number): Promise<AppSummary[]> {
  const apps = new Map<string, AppSummary>();
  const appFor = (clientId: string) => {
    let app = apps.get(clientId);
    if (!app) apps.set(clientId, (app = { clientId, scopes: [], since: null, grants: 0 }));
    return app;
  };
  const addScopes = (app: AppSummary, scope: string | undefined) => {
    app.scopes = [...new Set([...app.scopes, ...(scope ?? '').split(' ').filter(Boolean)])];
  };
  const addSince = (app: AppSummary, at: number | undefined) => {
    if (typeof at === 'number') app.since = app.since === null ? at : Math.min(app.since, at);
  };
  for (const { payload } of await liveGrants(db, accountId, now)) {
    if (typeof payload.clientId !== 'string') continue;
    const app = appFor(payload.clientId);
    app.grants += 1;
    addScopes(app, payload.openid?.scope);
    addSince(app, payload.iat);
  }
  const consents = (await db('consents').where({ account_id: accountId }).select('client_id', 'scope', 'updated_at')) as Array<{ client_id: string; scope: string; updated_at: number }>;
  for (const consent of consents) {
    const app = appFor(consent.client_id);
    addScopes(app, consent.scope);
    addSince(app, Number(consent.updated_at));
  }
  return [...apps.values()].sort((a, b) => a.clientId.localeCompare(b.clientId));
}

/**
 * Takes an application's access away from the account: its grants with their tokens and codes,
 * and the remembered consent (so it must ask again). False when it had neither.
 */
export async function revokeAccountApp(db: Db, accountId: string, clientId: string): Promise<boolean> {
  return db.transaction(async (trx) => {
    const rows = (await trx('oidc_payloads').where({ model: 'Grant', account_id: accountId }).select('id', 'payload')) as GrantRow[];
    const grantIds = rows.filter((row) => (JSON.parse(row.payload) as GrantPayload).clientId === clientId).map((row) => row.id);
    await deleteGrants(trx, grantIds);
    const consents = await trx('consents').where({ account_id: accountId, client_id: clientId }).delete();
    return grantIds.length > 0 || consents > 0;
  });
}
