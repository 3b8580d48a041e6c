// Making enrollments and judging whether one is still open. Invites are the administrator's way
// to bind a first device to an account (and, with a new invite, a replacement for a lost one).
import type { Clock } from '../clock.ts';
import { newChallenge, newId } from '../ids.ts';
import { alreadyAnswered, expired, ProtocolError } from '../protocol/errors.ts';
import type { Account } from '../store/accounts.ts';
import type { Db } from '../store/db.ts';
import { insertEnrollment, type Enrollment, type EnrollmentKind } from '../store/enrollments.ts';

/** Whether a device may still use this enrollment. Pure. */
export function checkEnrollmentOpen(enrollment: Pick<Enrollment, 'status' | 'expires_at'>, now: number): void {
  // A cancelled link is as dead as an expired one, and the person needs a new one just the same.
  if (enrollment.status === 'cancelled') throw new ProtocolError(410, 'expired', 'this enrollment was cancelled (a newer one replaced it, or an administrator cancelled it)');
  if (enrollment.status !== 'pending') throw alreadyAnswered('this enrollment');
  if (enrollment.expires_at <= now) throw expired('this enrollment');
}

export async function createEnrollment(
  db: Db,
  clock: Clock,
  account: Account,
  kind: EnrollmentKind,
  ttlSeconds: number,
): Promise<Enrollment> {
  const now = clock();
  const enrollment: Enrollment = {
    eid: newId(),
    kind,
    account_id: account.id,
    challenge: newChallenge(),
    status: 'pending',
    device_id: null,
    created_at: now,
    expires_at: now + ttlSeconds,
    answered_at: null,
  };
  await insertEnrollment(db, enrollment);
  return enrollment;
}

