// Sign-up by QR (SIGNUP): a person without an account gives an email and a name on the sign-in
// page, and the phone that enrolls with the resulting `signup` enrollment becomes the account's
// first device. The enrollments table needs an account row, so the row is made with the
// enrollment; until a phone enrolls it has no device and nobody can sign in to it. A later
// sign-up for the same email removes such an unfinished one once its enrollment is no longer open
// (expired, or replaced from the same sign-in), so an expired sign-up leaves nothing behind that
// works or that holds the email. An account with a device, an invite, or anything but sign-ups is
// never touched: a sign-up never takes over an existing account's email.
import type { SignupPolicy } from '../config/env.ts';
import { createEnrollment } from '../enrollment/enrollments.ts';
import { InviteError, parseAccountName } from '../enrollment/invites.ts';
import { networkOf } from '../http/ip.ts';
import { recordAudit } from '../audit/audit.ts';
import { enforceRateLimit } from '../ratelimit/enforceRateLimit.ts';
import type { Services } from '../services.ts';
import { createAccount, findAccountByEmail, type Account } from '../store/accounts.ts';
import type { Db } from '../store/db.ts';
import type { Enrollment } from '../store/enrollments.ts';
import { checkEmail, EmailError } from '../text/checkEmail.ts';

/** A sign-up refused for a reason the person can act on: shown on the form, nothing changed. */
export class SignupRefused extends Error {}

/** Deliberately the same whoever holds the email, so the form says no more than that it is taken. */
export const EMAIL_TAKEN = 'This email cannot be used to sign up. If you already have an account, sign in with your phone instead.';

export function signupAllowed(policy: SignupPolicy): boolean {
  return policy.mode !== 'off';
}

/** The email and name as they will be stored, or why not. Pure. */
export function checkSignupFields(policy: SignupPolicy, input: { email: string; name: string }): { email: string; name: string } {
  let email: string;
  let name: string;
  try {
    email = checkEmail(input.email);
    name = parseAccountName(input.name);
  } catch (error) {
    if (error instanceof EmailError || error instanceof InviteError) throw new SignupRefused(error.message);
    throw error;
  }
  if (policy.mode === 'domain' && !policy.domains.includes(email.slice(email.lastIndexOf('@') + 1))) {
    throw new SignupRefused(`Sign-up here is only for addresses at ${policy.domains.join(', ')}.`);
  }
  return { email, name };
}

/**
 * Whether `account` is a sign-up that never finished and may be removed for a new one from
 * `uid`: no device, only `signup` enrollments, none enrolled, none still open from another sign-in.
 */
async function unfinishedSignup(db: Db, account: Account, uid: string, now: number): Promise<boolean> {
  const device = await db('devices').where({ account_id: account.id }).first();
  if (device) return false;
  const enrollments = (await db('enrollments').where({ account_id: account.id })) as Array<Enrollment & { interaction_uid: string | null }>;
  if (enrollments.length === 0) return false;
  return enrollments.every((enrollment) =>
    enrollment.kind === 'signup'
    && enrollment.status !== 'enrolled'
    && (enrollment.status === 'cancelled' || enrollment.expires_at <= now || enrollment.interaction_uid === uid));
}

export type SignupStart = { uid: string; ip: string; clientId: string; expiresAt: number; email: string; name: string };

/** Makes the account (no device yet) and its `signup` enrollment, tied to the sign-in `uid`. */
export async function startSignup(services: Services, input: SignupStart): Promise<Enrollment> {
  const { db, clock, config } = services;
  if (!signupAllowed(config.signup)) throw new SignupRefused('Sign-up is not available here. Ask your administrator for an invite.');
  const fields = checkSignupFields(config.signup, input);
  await enforceRateLimit(services, 'signup_ip', networkOf(input.ip));
  await enforceRateLimit(services, 'signup_account', fields.email);
  const now = clock();
  const enrollment = await db.transaction(async (trx) => {
    const existing = await findAccountByEmail(trx, fields.email);
    if (existing) {
      if (!(await unfinishedSignup(trx, existing, input.uid, now))) throw new SignupRefused(EMAIL_TAKEN);
      await trx('enrollments').where({ account_id: existing.id }).del();
      await trx('accounts').where({ id: existing.id }).del();
    }
    // This sign-in's earlier sign-up (another email) can no longer be finished.
    await trx('enrollments').where({ interaction_uid: input.uid, kind: 'signup', status: 'pending' }).update({ status: 'cancelled', answered_at: now });
    const account = await createAccount(trx, clock, { email: fields.email, name: fields.name, email_verified: false });
    if (!account) throw new SignupRefused(EMAIL_TAKEN);
    const made = await createEnrollment(trx, clock, account, 'signup', Math.max(1, input.expiresAt - now));
    await trx('enrollments').where({ eid: made.eid }).update({ interaction_uid: input.uid });
    return made;
  }).catch((error: unknown) => {
    // Two sign-ups for one email at the same moment: the loser hears that the email is taken.
    if (error instanceof SignupRefused) throw error;
    return findAccountByEmail(db, fields.email).then((holder) => {
      if (holder) throw new SignupRefused(EMAIL_TAKEN);
      throw error;
    });
  });
  await recordAudit(services, {
    event: 'signup.started',
    account_id: enrollment.account_id,
    ip: input.ip,
    client_id: input.clientId,
    detail: { eid: enrollment.eid },
  });
  return enrollment;
}
