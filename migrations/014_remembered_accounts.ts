// The account a browser expects (SECURITY.md, login swapping):
// - `remembered_browsers`: the account last signed in on a browser, found by the SHA-256 of the
//   random value of its `scanin_account` cookie (the cookie names no one; a copy of the table
//   gives no cookie). Outlives logout; removed by "Forget this account", by its expiry, or with
//   the account.
// - `any_account_sign_ins`: the sign-ins (interaction uids) whose person chose "Use another
//   account", so that the browser's expected account no longer holds for them.
// - `login_requests.expected_from`: where a request's expected account came from: `login_hint`
//   (the app named it; nothing on the page lifts it), or `session`/`remembered` (the browser's own
//   account; "Use another account" lifts it). Null for requests made before this migration.
import type { Knex } from 'knex';

export async function up(db: Knex): Promise<void> {
  await db.schema.createTable('remembered_browsers', (t) => {
    t.string('token_hash', 64).primary();
    t.string('account_id', 64).notNullable().references('accounts.id').onDelete('CASCADE');
    t.bigInteger('created_at').notNullable();
    t.bigInteger('expires_at').notNullable();
    t.index(['expires_at']);
    t.index(['account_id']);
  });
  await db.schema.createTable('any_account_sign_ins', (t) => {
    t.string('uid', 64).primary();
    t.bigInteger('expires_at').notNullable();
    t.index(['expires_at']);
  });
  await db.schema.alterTable('login_requests', (t) => {
    t.string('expected_from', 16);
  });
}

export async function down(db: Knex): Promise<void> {
  await db.schema.alterTable('login_requests', (t) => {
    t.dropColumn('expected_from');
  });
  await db.schema.dropTableIfExists('any_account_sign_ins');
  await db.schema.dropTableIfExists('remembered_browsers');
}
