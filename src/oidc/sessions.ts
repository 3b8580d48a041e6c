// The browser sessions in the engine's storage, by account and by the device whose approval
// created them (sessionOrigin.ts records that), and ending them with the grants (and so the
// tokens and codes) they handed out. Plain database work: the CLI uses it without the engine.
// Ending a session queues a back-channel logout for each app it signed in to, in the same
// transaction; the server sends them (backchannelLogout.ts).
import type { AdapterPayload } from 'oidc-provider';
import type { Db, ListWindow } from '../store/db.ts';
import { queueLogouts } from '../store/pendingLogouts.ts';

/** Deletes grants with every token and code they handed out (in the caller's transaction). */
export async function deleteGrants(trx: Db, grantIds: string[]): Promise<void> {
  for (let i = 0; i < grantIds.length; i += 500) {
    const chunk = grantIds.slice(i, i + 500);
    await trx('oidc_payloads').whereIn('grant_id', chunk).delete();
    await trx('oidc_payloads').where('model', 'Grant').whereIn('id', chunk).delete();
  }
}

type EndedSessionRow = { account_id: string | null; payload: string };

/** Queues the back-channel logouts of sessions about to be deleted (in the caller's transaction). */
async function queueSessionLogouts(trx: Db, sessions: EndedSessionRow[]): Promise<void> {
  const logouts = sessions.flatMap(({ account_id, payload }) => {
    if (!account_id) return [];
    const authorizations = ((JSON.parse(payload) as AdapterPayload).authorizations ?? {}) as Record<string, { sid?: string }>;
    return Object.entries(authorizations).map(([client_id, { sid }]) => ({ account_id, client_id, sid: sid ?? null }));
  });
  await queueLogouts(trx, logouts);
}

/** Deletes `rows` and every token and code of the grants among them, at once. */
async function deleteWithGrants(db: Db, by: { device_id: string } | { account_id: string }): Promise<number> {
  return db.transaction(async (trx): Promise<number> => {
    await queueSessionLogouts(trx, (await trx('oidc_payloads').where({ ...by, model: 'Session' }).select('account_id', 'payload')) as EndedSessionRow[]);
    const grants = (await trx('oidc_payloads').where({ ...by, model: 'Grant' }).select('id')) as Array<{ id: string }>;
    await deleteGrants(trx, grants.map((grant) => grant.id));
    return Number(await trx('oidc_payloads').where(by).delete());
  });
}

/** Ends the sessions a device's approvals created and revokes the grants they handed out. */
export function endDeviceSessions(db: Db, deviceId: string): Promise<number> {
  return deleteWithGrants(db, { device_id: deviceId });
}

/** Ends every session of an account and revokes all its grants, tokens and codes. */
export function endAccountSessions(db: Db, accountId: string): Promise<number> {
  return deleteWithGrants(db, { account_id: accountId });
}

export type SessionSummary = {
  /** The session's stable id (the engine renews the cookie's id, never this). */
  uid: string;
  device_id: string | null;
  login_at: number | null;
  expires_at: number | null;
  /** The clients this session signed in to. */
  clients: string[];
  /** The browser's address and user agent when it signed in, when known. */
  ip: string | null;
  user_agent: string | null;
};

type SessionRow = { id: string; uid: string; payload: string; device_id: string | null; expires_at: number | null; ip: string | null; user_agent: string | null };

function sessionRows(db: Db, accountId: string, now: number) {
  return db('oidc_payloads')
    .where({ model: 'Session', account_id: accountId })
    .andWhere((q) => q.whereNull('expires_at').orWhere('expires_at', '>', now));
}

export function grantIdsOf(payload: AdapterPayload): string[] {
  const authorizations = (payload.authorizations ?? {}) as Record<string, { grantId?: string }>;
  return Object.values(authorizations).flatMap((authorization) => (authorization.grantId ? [authorization.grantId] : []));
}

function summaryOf(row: SessionRow): SessionSummary {
  const payload = JSON.parse(row.payload) as AdapterPayload & { loginTs?: number };
  return {
    uid: row.uid,
    device_id: row.device_id,
    login_at: payload.loginTs ?? null,
    expires_at: row.expires_at,
    clients: Object.keys((payload.authorizations ?? {}) as object),
    ip: row.ip,
    user_agent: row.user_agent,
  };
}

const SESSION_COLUMNS = ['oidc_payloads.id', 'oidc_payloads.uid', 'oidc_payloads.payload', 'oidc_payloads.device_id', 'oidc_payloads.expires_at', 'oidc_payloads.ip', 'oidc_payloads.user_agent'];

/** The account's live browser sessions, newest sign-in first. */
export async function listAccountSessions(db: Db, accountId: string, now: number): Promise<SessionSummary[]> {
  const rows = (await sessionRows(db, accountId, now).select(SESSION_COLUMNS)) as SessionRow[];
  return rows.map(summaryOf).sort((a, b) => (b.login_at ?? 0) - (a.login_at ?? 0));
}

export type SessionListing = SessionSummary & { account_id: string; email: string };

/**
 * Every account's live browser sessions, the last to be used first (a session's expiry moves on
 * each time it is saved), `window` rows from `offset`: the admin console's list.
 */
export async function listSessions(db: Db, now: number, window: ListWindow): Promise<SessionListing[]> {
  const rows = (await db('oidc_payloads')
    .join('accounts', 'accounts.id', 'oidc_payloads.account_id')
    .where({ 'oidc_payloads.model': 'Session' })
    .andWhere((q) => q.whereNull('oidc_payloads.expires_at').orWhere('oidc_payloads.expires_at', '>', now))
    .select([...SESSION_COLUMNS, 'oidc_payloads.account_id', 'accounts.email'])
    .orderBy([{ column: 'oidc_payloads.expires_at', order: 'desc' }, { column: 'oidc_payloads.id' }])
    .limit(window.limit)
    .offset(window.offset)) as Array<SessionRow & { account_id: string; email: string }>;
  return rows.map((row) => ({ ...summaryOf(row), account_id: row.account_id, email: row.email }));
}

/** The account a session belongs to, if it exists. */
export async function sessionAccount(db: Db, uid: string): Promise<string | undefined> {
  const row = (await db('oidc_payloads').where({ model: 'Session', uid }).first('account_id')) as { account_id: string | null } | undefined;
  return row?.account_id ?? undefined;
}

/**
 * Signs one session out: the session and the grants it handed out (with their tokens) end.
 * `accountId` limits it to that account's sessions. False when there is no such session.
 */
export async function endSession(db: Db, uid: string, accountId?: string): Promise<boolean> {
  return db.transaction(async (trx) => {
    const rows = (await trx('oidc_payloads')
      .where({ model: 'Session', uid, ...(accountId ? { account_id: accountId } : {}) })
      .select('account_id', 'payload')) as EndedSessionRow[];
    if (!rows.length) return false;
    await queueSessionLogouts(trx, rows);
    await deleteGrants(trx, rows.flatMap((row) => grantIdsOf(JSON.parse(row.payload) as AdapterPayload)));
    await trx('oidc_payloads').where({ model: 'Session', uid }).delete();
    return true;
  });
}
