// Groups (issue 20): what people belong to, for the `groups` claim and the roles each client maps
// from them. A group may sit in one parent (one level: a member of "backend" is a member of
// "engineering"); a membership may end by itself at `expires_at` (time-boxed access), and counts
// only until then. Deleting a group or an account takes its memberships with it; a parent with
// subgroups cannot be deleted (the foreign key says so, the CLI says why).
import type { Knex } from 'knex';

export async function up(db: Knex): Promise<void> {
  await db.schema.createTable('groups', (t) => {
    t.string('id', 64).primary();
    t.string('name', 64).notNullable().unique();
    t.string('parent_id', 64).nullable().references('groups.id').onDelete('RESTRICT');
    t.bigInteger('created_at').notNullable();
  });
  await db.schema.createTable('group_members', (t) => {
    t.string('group_id', 64).notNullable().references('groups.id').onDelete('CASCADE');
    t.string('account_id', 64).notNullable().references('accounts.id').onDelete('CASCADE');
    t.bigInteger('added_at').notNullable();
    t.bigInteger('expires_at').nullable();
    t.primary(['group_id', 'account_id']);
    // The token endpoint reads one account's memberships.
    t.index(['account_id']);
  });
}

export async function down(db: Knex): Promise<void> {
  await db.schema.dropTable('group_members');
  await db.schema.dropTable('groups');
}
