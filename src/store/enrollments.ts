// Enrollments: one-time bindings of a new device key to an account.
import type { Db } from './db.ts';

export type EnrollmentKind = 'signup' | 'invite' | 'add_device';
export type EnrollmentStatus = 'pending' | 'enrolled';

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
