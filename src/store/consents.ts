// Remembered consent, per account and client: the scopes and claims a person agreed to share.
import type { Db } from './db.ts';

export type Consent = { scope: string[]; claims: string[] };

export async function findConsent(db: Db, accountId: string, clientId: string): Promise<Consent | undefined> {
  const row = (await db('consents').where({ account_id: accountId, client_id: clientId }).first()) as
    | { scope: string; claims: string }
    | undefined;
  return row && { scope: row.scope.split(' ').filter(Boolean), claims: JSON.parse(row.claims) as string[] };
}

/** Adds to what was agreed before: consenting to more never forgets the earlier answer. */
export async function rememberConsent(db: Db, accountId: string, clientId: string, consent: Consent, now: number): Promise<void> {
  const before = await findConsent(db, accountId, clientId);
  const scope = [...new Set([...(before?.scope ?? []), ...consent.scope])].join(' ');
  const claims = JSON.stringify([...new Set([...(before?.claims ?? []), ...consent.claims])]);
  await db('consents')
    .insert({ account_id: accountId, client_id: clientId, scope, claims, updated_at: now })
    .onConflict(['account_id', 'client_id'])
    .merge();
}
