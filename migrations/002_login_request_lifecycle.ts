// Login requests that never outlive their sign-in and that may name the account expected:
// - `sign_in_expires_at`: when the browser's interaction ends; a request is over then, whatever
//   its own expires_at (which is never later).
// - status `closed` (no schema change: a new value of `status`): the sign-in ended in the browser
//   (cancelled, finished) while the request was open.
// - `expected_account_id`: the account the sign-in's login_hint named; only its devices may answer.
// - `wrong_number`: a denial that was a wrong pick, so the app is told "wrong number".
import type { Knex } from 'knex';

export async function up(db: Knex): Promise<void> {
  await db.schema.alterTable('login_requests', (t) => {
    t.bigInteger('sign_in_expires_at');
    t.string('expected_account_id', 64);
    t.boolean('wrong_number').notNullable().defaultTo(false);
  });
}

export async function down(db: Knex): Promise<void> {
  await db.schema.alterTable('login_requests', (t) => {
    t.dropColumn('sign_in_expires_at');
    t.dropColumn('expected_account_id');
    t.dropColumn('wrong_number');
  });
}
