// Invites: an administrator's way to bind a phone to a person, creating the account if needed.
// A new invite cancels the person's earlier open ones, so only the newest link works; a name
// given for an existing account is applied (and reported), never silently ignored.
import type { Clock } from '../clock.ts';
import { displayText } from '../protocol/displayText.ts';
import { createAccount, findAccountByEmail, updateAccount, type Account } from '../store/accounts.ts';
import type { Db } from '../store/db.ts';
import { cancelOpenEnrollments, type Enrollment } from '../store/enrollments.ts';
import { checkEmail, EmailError } from '../text/checkEmail.ts';
import { createEnrollment } from './enrollments.ts';

export const ACCOUNT_NAME_MAX = 200;

export class InviteError extends Error {}

export type InviteResult = {
  account: Account;
  enrollment: Enrollment;
  created: boolean;
  /** The account's name before this invite changed it. */
  renamedFrom?: string;
  cancelled: number;
};

/** An email address given for an account: look-alikes and invisible characters are refused. */
export function parseEmail(input: string): string {
  try {
    return checkEmail(input);
  } catch (error) {
    throw error instanceof EmailError ? new InviteError(error.message) : error;
  }
}

export function parseAccountName(input: string): string {
  const name = displayText(input, ACCOUNT_NAME_MAX);
  if (name === null) throw new InviteError(`the name must be 1 to ${ACCOUNT_NAME_MAX} printable characters`);
  return name;
}

export async function invite(db: Db, clock: Clock, input: { email: string; name?: string; ttl: number }): Promise<InviteResult> {
  const email = parseEmail(input.email);
  const name = input.name === undefined ? undefined : parseAccountName(input.name);
  let account = await findAccountByEmail(db, email);
  let created = false;
  let renamedFrom: string | undefined;
  if (!account) {
    account = await createAccount(db, clock, { email, name: name ?? email.split('@')[0]!, email_verified: false });
    if (!account) throw new InviteError(`${email} was created by someone else at the same moment; run the invite again`);
    created = true;
  } else if (name !== undefined && name !== account.name) {
    await updateAccount(db, account.id, { name });
    renamedFrom = account.name;
    account = { ...account, name };
  }
  const person = account;
  const { cancelled, enrollment } = await db.transaction(async (trx) => ({
    cancelled: await cancelOpenEnrollments(trx, person.id, 'invite', clock()),
    enrollment: await createEnrollment(trx, clock, person, 'invite', input.ttl),
  }));
  return { account, enrollment, created, ...(renamedFrom === undefined ? {} : { renamedFrom }), cancelled };
}
