// Login requests: one QR code's worth of a login interaction. An interaction has a sequence of
// them (generation 1, 2, …) as shown codes expire and are replaced; the newest is the live one.
// Every state change is one conditional UPDATE, so concurrent answers cannot both win.
import type { Db } from './db.ts';

/** `closed`: the browser's sign-in ended (cancelled, finished) while the request was open. */
export type LoginStatus = 'pending' | 'scanned' | 'approved' | 'denied' | 'completed' | 'closed';

export type LoginRequest = {
  rid: string;
  uid: string;
  generation: number;
  challenge: string;
  client_id: string;
  browser_ip: string;
  user_agent: string;
  match_number: string | null;
  number_choices: string | null;
  status: LoginStatus;
  device_id: string | null;
  account_id: string | null;
  created_at: number;
  /** Never later than sign_in_expires_at: a request does not outlive its sign-in. */
  expires_at: number;
  answered_at: number | null;
  /** `qr`: a browser shows the code; `backchannel`: CIBA, delivered through the device inbox (uid is the auth_req_id). */
  kind?: 'qr' | 'backchannel';
  /** CIBA: what the app shows the person, for the phone to show too. */
  binding_message?: string | null;
  /** The approving phone verified its user (PIN or biometrics); false until then (SQLite gives 0/1). */
  user_verified?: boolean | number;
  /** How it did (`uvm`: pin, fingerprint, face, platform), when it said; null otherwise. */
  uv_method?: string | null;
  /** The app requires the phone to verify its user: an approval without `uv` is refused (SQLite gives 0/1). */
  user_verification_required?: boolean | number;
  /** RFC 9396 details the app asks to have approved, one JSON text (oidc/richAuthorization.ts), what the phone is shown and its `adh` hashes; null for a plain sign-in. */
  authorization_details?: string | null;
  /** When the browser's interaction ends (null for requests made before migration 002). */
  sign_in_expires_at: number | null;
  /** The account the sign-in expects (login_hint, or the browser's own account): only its devices may answer. */
  expected_account_id: string | null;
  /** Where that came from: `login_hint`, `session` or `remembered` (login/expectedAccount.ts); null before migration 014. */
  expected_from?: string | null;
  /** A denial that was a wrong number pick (SQLite gives 0/1). */
  wrong_number: boolean | number;
};

const OPEN: LoginStatus[] = ['pending', 'scanned'];

export async function findLoginRequest(db: Db, rid: string): Promise<LoginRequest | undefined> {
  return db('login_requests').where({ rid }).first();
}

/** The newest request of an interaction. */
export async function latestLoginRequest(db: Db, uid: string): Promise<LoginRequest | undefined> {
  return db('login_requests').where({ uid }).orderBy('generation', 'desc').first();
}

/**
 * Inserts `request` unless another instance already made this generation for the interaction;
 * either way returns the newest request, so racing creators agree on one.
 */
export async function insertLoginRequest(db: Db, request: LoginRequest): Promise<LoginRequest> {
  const inserted = await db('login_requests').insert(request).onConflict(['uid', 'generation']).ignore().returning('rid');
  // Ours is the newest: nobody replaces a request that has only just been made.
  if (inserted.length === 1) return request;
  return (await latestLoginRequest(db, request.uid))!;
}

/** pending → scanned, while the request is open; false when it was not pending. */
export async function markScanned(db: Db, rid: string, now: number): Promise<boolean> {
  const changed = await db('login_requests').where({ rid, status: 'pending' }).andWhere('expires_at', '>', now).update({ status: 'scanned' });
  return changed === 1;
}

/** pending|scanned → approved|denied, only while open: of concurrent answers exactly one wins. */
export async function answerLoginRequest(
  db: Db,
  rid: string,
  answer: { status: 'approved' | 'denied'; device_id: string; account_id: string | null; user_verified?: boolean; uv_method?: string | null; wrong_number?: boolean },
  now: number,
): Promise<boolean> {
  const changed = await db('login_requests')
    .where({ rid })
    .whereIn('status', OPEN)
    .andWhere('expires_at', '>', now)
    .update({ ...answer, answered_at: now });
  return changed === 1;
}

/**
 * approved → completed, for the interaction's newest request only, in one statement that returns
 * it (as completed); undefined when the newest is not approved, or no longer: an approval
 * finishes exactly one login.
 */
export async function completeLatestApproval(db: Db, uid: string): Promise<LoginRequest | undefined> {
  const rows = (await db('login_requests')
    .where({ uid, status: 'approved' })
    .andWhere('generation', db('login_requests').where({ uid }).max('generation'))
    .update({ status: 'completed' })
    .returning('*')) as LoginRequest[];
  return rows[0];
}

/** pending|scanned → closed: the sign-in they belong to ended in the browser. */
export async function closeLoginRequests(db: Db, uid: string, now: number): Promise<number> {
  return db('login_requests').where({ uid }).whereIn('status', OPEN).update({ status: 'closed', answered_at: now });
}

/** approved → denied for approvals not yet completed, of a device or of an account being cut off. */
export async function denyUncompletedApprovals(db: Db, by: { device_id: string } | { account_id: string }): Promise<number> {
  return db('login_requests').where({ ...by, status: 'approved' }).update({ status: 'denied' });
}

/** The backchannel sign-ins still waiting for an answer from one of the account's devices, oldest first. */
export async function pendingBackchannelRequests(db: Db, accountId: string, now: number): Promise<LoginRequest[]> {
  return db('login_requests')
    .where({ kind: 'backchannel', expected_account_id: accountId })
    .whereIn('status', OPEN)
    .andWhere('expires_at', '>', now)
    .orderBy('created_at');
}

/** Removes requests whose interaction can no longer use them. */
export async function sweepLoginRequests(db: Db, before: number): Promise<number> {
  return db('login_requests').where('expires_at', '<=', before).delete();
}
