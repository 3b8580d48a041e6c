// Adding a device (the two-step handover): a device enrolled through an `add_device` enrollment
// waits in `pending_confirmation` until the browser that showed the QR code confirms it, and only
// until its enrollment's end. `confirm_by` keeps that second on the device itself, so a
// confirmation, a rejection and the expiry are each one conditional update of one row.
import type { Knex } from 'knex';

export async function up(db: Knex): Promise<void> {
  await db.schema.alterTable('devices', (t) => {
    t.bigInteger('confirm_by');
    t.index(['status', 'confirm_by']);
  });
}

export async function down(db: Knex): Promise<void> {
  await db.schema.alterTable('devices', (t) => {
    t.dropIndex(['status', 'confirm_by']);
    t.dropColumn('confirm_by');
  });
}
