// The instances running on this database, each with the issuer it serves, so that `scanin invite`
// links to a running one (src/store/instances.ts). A row is written at start, touched while the
// instance runs, and removed when it stops cleanly; one not touched for long is a crashed instance's.
import type { Knex } from 'knex';

export async function up(db: Knex): Promise<void> {
  await db.schema.createTable('instances', (t) => {
    t.string('id', 64).primary();
    t.string('issuer', 2048).notNullable();
    t.bigInteger('started_at').notNullable();
    t.bigInteger('seen_at').notNullable();
  });
}

export async function down(db: Knex): Promise<void> {
  await db.schema.dropTable('instances');
}
