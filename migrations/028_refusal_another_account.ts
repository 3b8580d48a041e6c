// "Sign in with another account" on the page of an app's access refusal: the sign-in whose person
// chose it for the account that was refused shows its QR code again, for any account, instead of
// the refusal. Kept with the choice of "Use another account" (migration 014), as the account it
// was made for: another account refused in its turn sees the refusal again.
import type { Knex } from 'knex';

export async function up(db: Knex): Promise<void> {
  await db.schema.alterTable('any_account_sign_ins', (t) => {
    t.string('after_refusal_of', 64);
  });
}

export async function down(db: Knex): Promise<void> {
  await db.schema.alterTable('any_account_sign_ins', (t) => {
    t.dropColumn('after_refusal_of');
  });
}
