// What a SCIM directory knows a group by (issue 20 §5), beside the group itself (025): its
// `externalId`, and when the directory last changed it (the resource's meta.lastModified). A group
// made with the CLI has no row here until a directory changes it; deleting the group takes it.
import type { Knex } from 'knex';

export async function up(db: Knex): Promise<void> {
  await db.schema.createTable('scim_groups', (t) => {
    t.string('group_id', 64).primary().references('groups.id').onDelete('CASCADE');
    t.string('external_id', 254).nullable();
    t.bigInteger('updated_at').notNullable();
  });
}

export async function down(db: Knex): Promise<void> {
  await db.schema.dropTable('scim_groups');
}
