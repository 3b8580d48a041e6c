// Enrollments: one-time bindings of a new device key to an account.
import type { Db } from './db.ts';

export type EnrollmentKind = 'signup' | 'invite' | 'add_device' | 'recovery';
export type EnrollmentStatus = 'pending' | 'enrolled' | 'cancelled';

export type Enrollment = {
  eid: string;
  kind: EnrollmentKind;
  account_id: string;
  challenge: string;
  status: EnrollmentStatus;
  device_id: string | null;
  created_at: number;
  expires_at: number;
  answered_at: number | null;
};

export async function findEnrollment(db: Db, eid: string): Promise<Enrollment | undefined> {
  return db('enrollments').where({ eid }).first();
}

export async function insertEnrollment(db: Db, enrollment: Enrollment): Promise<void> {
  await db('enrollments').insert(enrollment);
}

/** pending → enrolled while open; false when another answer won or it expired. */
export async function markEnrolled(db: Db, eid: string, deviceId: string, now: number): Promise<boolean> {
  const changed = await db('enrollments')
    .where({ eid, status: 'pending' })
    .andWhere('expires_at', '>', now)
    .update({ status: 'enrolled', device_id: deviceId, answered_at: now });
  return changed === 1;
}

/** The enrollments still usable (pending, unexpired), oldest first, with their account's email. */
export async function listOpenEnrollments(db: Db, now: number, accountId?: string): Promise<Array<Enrollment & { email: string }>> {
  const query = db('enrollments')
    .join('accounts', 'accounts.id', 'enrollments.account_id')
    .where('enrollments.status', 'pending')
    .andWhere('enrollments.expires_at', '>', now)
    .orderBy('enrollments.created_at')
    .select('enrollments.*', 'accounts.email');
  return accountId ? query.andWhere('enrollments.account_id', accountId) : query;
}

/**
 * pending → cancelled for the account's open enrollments of `kind`; returns how many. Call it in
 * the transaction that then makes the new one: it first locks the account's row (PostgreSQL;
 * SQLite runs one writer at a time anyway), so of two concurrent calls for one account the
 * second waits until the first has committed, then cancels what the first made. Without the
 * lock each would find nothing open, and both new enrollments would stay open.
 */
export async function cancelOpenEnrollments(db: Db, accountId: string, kind: EnrollmentKind, now: number): Promise<number> {
  await db('accounts').where({ id: accountId }).forUpdate().first('id');
  return db('enrollments').where({ account_id: accountId, kind, status: 'pending' }).andWhere('expires_at', '>', now).update({ status: 'cancelled', answered_at: now });
}

/** Makes `eid` the account's current add-device handover (see migrations/012a_add_device_handovers.ts). */
export async function setCurrentAddDevice(db: Db, accountId: string, eid: string): Promise<void> {
  await db('add_device_handovers').insert({ account_id: accountId, eid }).onConflict('account_id').merge();
}

/** The account's current add-device enrollment, whatever its state. */
export async function currentAddDeviceEnrollment(db: Db, accountId: string): Promise<Enrollment | undefined> {
  return db('enrollments').join('add_device_handovers', 'add_device_handovers.eid', 'enrollments.eid').where('add_device_handovers.account_id', accountId).first('enrollments.*');
}

/** The enrollment of `kind` that bound device `deviceId`, if any. */
export async function enrollmentOfDevice(db: Db, deviceId: string, kind: EnrollmentKind): Promise<Enrollment | undefined> {
  return db('enrollments').where({ device_id: deviceId, kind, status: 'enrolled' }).first();
}

/** pending → cancelled for one enrollment; false when it was not open. */
export async function cancelEnrollment(db: Db, eid: string, now: number): Promise<boolean> {
  return (await db('enrollments').where({ eid, status: 'pending' }).andWhere('expires_at', '>', now).update({ status: 'cancelled', answered_at: now })) === 1;
}
