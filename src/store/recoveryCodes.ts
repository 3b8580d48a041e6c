// Recovery code sets: the salt, the hash parameters and the ten hashes of an account's codes
// (migration 013). The codes themselves are never stored.
import type { Db } from './db.ts';

export type RecoveryCodeSource = 'enrollment' | 'account' | 'admin';

export type RecoveryCodeSet = {
  account_id: string;
  salt: string;
  params: string;
  created_by: RecoveryCodeSource;
  shown_after_eid: string | null;
  created_at: number;
  codes: Array<{ slot: number; hash: string; used_at: number | null }>;
};

/** The account's set with its codes, read in one statement so salt and hashes belong together. */
export async function findRecoveryCodeSet(db: Db, accountId: string): Promise<RecoveryCodeSet | undefined> {
  const rows = (await db('recovery_code_sets')
    .join('recovery_codes', 'recovery_codes.account_id', 'recovery_code_sets.account_id')
    .where('recovery_code_sets.account_id', accountId)
    .orderBy('recovery_codes.slot')
    .select('recovery_code_sets.*', 'recovery_codes.slot', 'recovery_codes.hash', 'recovery_codes.used_at')) as Array<Omit<RecoveryCodeSet, 'codes'> & RecoveryCodeSet['codes'][number]>;
  if (rows.length === 0) return undefined;
  const { account_id, salt, params, created_by, shown_after_eid, created_at } = rows[0]!;
  return { account_id, salt, params, created_by, shown_after_eid, created_at, codes: rows.map(({ slot, hash, used_at }) => ({ slot, hash, used_at })) };
}

export type NewRecoveryCodeSet = Omit<RecoveryCodeSet, 'codes'> & { hashes: string[] };

async function insertSet(db: Db, set: NewRecoveryCodeSet): Promise<void> {
  const { hashes, ...row } = set;
  await db('recovery_code_sets').insert(row);
  await db('recovery_codes').insert(hashes.map((hash, slot) => ({ account_id: set.account_id, slot, hash, used_at: null })));
}

/** The set replaces the account's earlier one whole, in one transaction: the old codes stop working. */
export async function replaceRecoveryCodeSet(db: Db, set: NewRecoveryCodeSet): Promise<void> {
  await db.transaction(async (trx) => {
    await trx('recovery_code_sets').where({ account_id: set.account_id }).delete();
    await insertSet(trx, set);
  });
}

/** Stores the set only if the account has none; false when it had one (or another got in first). */
export async function insertFirstRecoveryCodeSet(db: Db, set: NewRecoveryCodeSet): Promise<boolean> {
  try {
    return await db.transaction(async (trx) => {
      if (await trx('recovery_code_sets').where({ account_id: set.account_id }).first()) return false;
      await insertSet(trx, set);
      return true;
    });
  } catch (error) {
    // Two first sets at the same moment (PostgreSQL): the primary key lets one in.
    if (await db('recovery_code_sets').where({ account_id: set.account_id }).first()) return false;
    throw error;
  }
}

/** Uses a code up: true for exactly one of any number of concurrent uses of the same code. */
export async function useRecoveryCode(db: Db, accountId: string, slot: number, hash: string, now: number): Promise<boolean> {
  return (await db('recovery_codes').where({ account_id: accountId, slot, hash }).whereNull('used_at').update({ used_at: now })) === 1;
}

/** How many unused codes the account has; null when it has no set. */
export async function recoveryCodesLeft(db: Db, accountId: string): Promise<number | null> {
  const set = await findRecoveryCodeSet(db, accountId);
  return set ? set.codes.filter((code) => code.used_at === null).length : null;
}
