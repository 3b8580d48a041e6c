// Recovery codes for a person whose phones are all lost: making a set (after the first enrollment,
// on the account page, or by an administrator), and using one code up to enroll a new phone from
// the sign-in page. A used code makes a one-time `recovery` enrollment tied to the sign-in that
// asked, like a sign-up's; the devices already bound stay as they were (the person revokes the
// lost one on the account page). Every failure reads the same, whatever was wrong.
import { recordAudit } from '../audit/audit.ts';
import type { Clock } from '../clock.ts';
import { createEnrollment } from '../enrollment/enrollments.ts';
import { networkOf } from '../http/ip.ts';
import { enforceRateLimit } from '../ratelimit/enforceRateLimit.ts';
import type { Services } from '../services.ts';
import { findAccountByEmail } from '../store/accounts.ts';
import type { Db } from '../store/db.ts';
import type { Enrollment } from '../store/enrollments.ts';
import {
  findRecoveryCodeSet,
  insertFirstRecoveryCodeSet,
  replaceRecoveryCodeSet,
  useRecoveryCode,
  type NewRecoveryCodeSet,
  type RecoveryCodeSource,
} from '../store/recoveryCodes.ts';
import { checkEmail, EmailError } from '../text/checkEmail.ts';
import { CURRENT_PARAMS, hashCode, matchingSlot, newCodes, newSalt, normalizeCode } from './codes.ts';

/** A recovery refused: the message is shown on the form, and nothing changed. */
export class RecoveryRefused extends Error {
  constructor(message: string, readonly status = 400) {
    super(message);
  }
}

/** The one answer to a wrong email, a wrong or used code, a disabled account, or no codes at all. */
export const NO_MATCH = 'That email and code do not match.';
export const MALFORMED = 'Enter the email of your account and one of your recovery codes as it was shown (like 7KQ2-M9XD-4HRT).';

/** A salt no set has, hashed with when there is no set, so that every attempt costs one scrypt. */
const NO_SET_SALT = newSalt();

async function newSet(accountId: string, createdBy: RecoveryCodeSource, shownAfterEid: string | null, now: number): Promise<{ codes: string[]; set: NewRecoveryCodeSet }> {
  const codes = newCodes();
  const salt = newSalt();
  const hashes = await Promise.all(codes.map((code) => hashCode(normalizeCode(code)!, salt, CURRENT_PARAMS)));
  return { codes, set: { account_id: accountId, salt, params: CURRENT_PARAMS, created_by: createdBy, shown_after_eid: shownAfterEid, created_at: now, hashes } };
}

/** A new set for the account, replacing (and so invalidating) any earlier one. Returns the codes to show once. */
export async function regenerateRecoveryCodes(db: Db, clock: Clock, accountId: string, createdBy: RecoveryCodeSource): Promise<string[]> {
  const { codes, set } = await newSet(accountId, createdBy, null, clock());
  await replaceRecoveryCodeSet(db, set);
  return codes;
}

/**
 * The account's first set, shown after the enrollment `eid` bound its first phone: the codes,
 * or null when the account already has a set (a reload, another tab, or codes made before).
 */
export async function firstRecoveryCodes(db: Db, clock: Clock, accountId: string, eid: string): Promise<string[] | null> {
  if (await findRecoveryCodeSet(db, accountId)) return null;
  const { codes, set } = await newSet(accountId, 'enrollment', eid, clock());
  return (await insertFirstRecoveryCodeSet(db, set)) ? codes : null;
}

export type RecoveryAttempt = { email: string; code: string; uid: string; ip: string; clientId: string; expiresAt: number };

type Failure = 'unknown_email' | 'account_disabled' | 'no_codes' | 'wrong_code' | 'used_code';

/**
 * Checks an email and code and, when they match an unused code of an enabled account, uses the
 * code up and makes a `recovery` enrollment for the sign-in `uid` (cancelling its earlier one).
 * Rate-limited per client network and per email before any work; one scrypt per attempt.
 */
export async function redeemRecoveryCode(services: Services, attempt: RecoveryAttempt): Promise<Enrollment> {
  const { db, clock } = services;
  let email: string;
  try {
    email = checkEmail(attempt.email);
  } catch (error) {
    if (error instanceof EmailError) throw new RecoveryRefused(MALFORMED);
    throw error;
  }
  const code = normalizeCode(attempt.code);
  if (code === null) throw new RecoveryRefused(MALFORMED);
  await enforceRateLimit(services, 'recovery_ip', networkOf(attempt.ip));
  await enforceRateLimit(services, 'recovery_account', email);

  const account = await findAccountByEmail(db, email);
  const set = account ? await findRecoveryCodeSet(db, account.id) : undefined;
  // Hashed whatever is found, so the time taken does not tell a known email from an unknown one.
  const hash = await hashCode(code, set?.salt ?? NO_SET_SALT, set?.params ?? CURRENT_PARAMS);
  const slot = set ? matchingSlot(hash, set.codes) : null;
  const fail = async (reason: Failure): Promise<never> => {
    await recordAudit(services, {
      event: 'recovery.failed',
      account_id: account?.id ?? null,
      ip: attempt.ip,
      client_id: attempt.clientId,
      detail: { reason, ...(account ? {} : { email }) },
    });
    throw new RecoveryRefused(NO_MATCH);
  };
  if (!account) return fail('unknown_email');
  if (!set) return fail('no_codes');
  if (slot === null) return fail('wrong_code');
  if (account.disabled_at !== null) return fail('account_disabled');

  const now = clock();
  const enrollment = await db.transaction(async (trx) => {
    // Of two uses of one code at the same moment, exactly one gets here with a row changed.
    if (!(await useRecoveryCode(trx, account.id, slot, hash, now))) return null;
    await trx('enrollments').where({ interaction_uid: attempt.uid, kind: 'recovery', status: 'pending' }).update({ status: 'cancelled', answered_at: now });
    const made = await createEnrollment(trx, clock, account, 'recovery', Math.max(1, attempt.expiresAt - now));
    await trx('enrollments').where({ eid: made.eid }).update({ interaction_uid: attempt.uid });
    return made;
  });
  if (!enrollment) return fail('used_code');
  await recordAudit(services, {
    event: 'recovery.used',
    account_id: account.id,
    ip: attempt.ip,
    client_id: attempt.clientId,
    detail: { slot, eid: enrollment.eid, codes_left: set.codes.filter((stored) => stored.used_at === null && stored.slot !== slot).length },
  });
  return enrollment;
}
