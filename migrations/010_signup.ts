// Sign-up by QR: a `signup` enrollment remembers the OIDC interaction that started it (so only
// that browser can finish it) and when that browser was signed in with it (so only once).
import type { Knex } from 'knex';

export async function up(db: Knex): Promise<void> {
  await db.schema.alterTable('enrollments', (t) => {
    t.string('interaction_uid', 64);
    t.bigInteger('completed_at');
    t.index(['interaction_uid']);
  });
}

export async function down(db: Knex): Promise<void> {
  await db.schema.alterTable('enrollments', (t) => {
    t.dropIndex(['interaction_uid']);
    t.dropColumn('completed_at');
    t.dropColumn('interaction_uid');
  });
}
