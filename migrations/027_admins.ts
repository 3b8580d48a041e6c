// Administrators of Scanin itself (issue 20 §3): who may use the admin console at /admin. A role
// of its own, apart from groups: groups are what apps see (and a SCIM directory may write them),
// while this is granted only by `scanin admins grant` or by another administrator. Deleting the
// account takes the role with it.
import type { Knex } from 'knex';

export async function up(db: Knex): Promise<void> {
  await db.schema.createTable('admins', (t) => {
    t.string('account_id', 64).primary().references('accounts.id').onDelete('CASCADE');
    t.bigInteger('granted_at').notNullable();
    // Who granted it: "cli", or the sub of the administrator who did.
    t.string('granted_by', 64).notNullable();
  });
}

export async function down(db: Knex): Promise<void> {
  await db.schema.dropTable('admins');
}
