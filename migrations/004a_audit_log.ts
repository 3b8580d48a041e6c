// The audit log: one row per security-relevant event (enrollments, login outcomes, revocations,
// rate-limit trips, administrative actions), kept AUDIT_RETENTION_DAYS and then swept.
import type { Knex } from 'knex';

export async function up(db: Knex): Promise<void> {
  await db.schema.createTable('audit_log', (t) => {
    t.bigIncrements('id').primary();
    t.bigInteger('at').notNullable();
    t.string('event', 64).notNullable(); // e.g. login.approved, enrollment, device.revoked
    t.string('account_id', 64);
    t.string('device_id', 64);
    t.string('ip', 64);
    t.string('client_id', 255);
    t.text('detail'); // a JSON object of what else there is to know, or null
    t.index(['at']);
    t.index(['account_id', 'at']);
  });
}

export async function down(db: Knex): Promise<void> {
  await db.schema.dropTableIfExists('audit_log');
}
