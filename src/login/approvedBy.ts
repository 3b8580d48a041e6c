// "Signed in as Ann Example <ann@example.com>": which account approved a sign-in, said to the
// browser before it goes back to the app, so a person whose browser was signed in as someone
// else (a login swap) sees it and can cancel.
import type { Db } from '../store/db.ts';
import { findAccountById, type Account } from '../store/accounts.ts';
import { cleanText, TEXT_LIMITS } from '../text/cleanText.ts';

export async function approvedBy(db: Db, accountId: string | null): Promise<string> {
  return describeApprover(accountId ? await findAccountById(db, accountId) : undefined);
}

/** The same, of an account already read (the one whose device just answered). */
export function describeApprover(account: Pick<Account, 'name' | 'email'> | undefined): string {
  if (!account) return 'an unknown account';
  return `${cleanText(account.name, TEXT_LIMITS.name)} <${cleanText(account.email, TEXT_LIMITS.email)}>`;
}
