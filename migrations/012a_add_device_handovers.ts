// Each account's current add-device handover: its newest `add_device` enrollment, the one the
// account page shows. Named here rather than found by created_at, whose whole seconds cannot
// tell apart two codes made within one second.
import type { Knex } from 'knex';

export async function up(db: Knex): Promise<void> {
  await db.schema.createTable('add_device_handovers', (t) => {
    t.string('account_id', 64).primary().references('accounts.id').onDelete('CASCADE');
    t.string('eid', 64).notNullable();
  });
}

export async function down(db: Knex): Promise<void> {
  await db.schema.dropTableIfExists('add_device_handovers');
}
