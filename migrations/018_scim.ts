// SCIM 2.0 provisioning (src/scim/): what a directory (Okta, Entra ID, …) knows an account by
// besides Scanin's own: its `userName` (unique, compared without case, as RFC 7643 §4.1.1 says)
// and its `externalId`, with the time the directory last changed it (`meta.lastModified`). An
// account made by invite or sign-up has no row until the directory claims it.
import type { Knex } from 'knex';

export async function up(db: Knex): Promise<void> {
  await db.schema.createTable('scim_users', (t) => {
    t.string('account_id', 64).primary().references('accounts.id').onDelete('CASCADE');
    t.string('user_name', 254).notNullable();
    // user_name lower-cased: uniqueness and `userName eq` ignore case.
    t.string('user_name_key', 254).notNullable().unique();
    t.string('external_id', 254);
    t.bigInteger('updated_at').notNullable();
  });
}

export async function down(db: Knex): Promise<void> {
  await db.schema.dropTable('scim_users');
}
