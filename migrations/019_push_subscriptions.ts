// Web Push (src/push/): one subscription per device — where its push service takes messages for
// it (`endpoint`) and the keys its messages are encrypted to (RFC 8291: the browser's P-256
// public key `p256dh` and its 16-byte `auth` secret). Removed with the device, when the device is
// revoked, when it unsubscribes, and when the push service says the subscription is gone.
import type { Knex } from 'knex';

export async function up(db: Knex): Promise<void> {
  await db.schema.createTable('push_subscriptions', (t) => {
    t.string('device_id', 64).primary().references('devices.id').onDelete('CASCADE');
    t.string('endpoint', 1024).notNullable();
    t.string('p256dh', 128).notNullable();
    t.string('auth', 64).notNullable();
    t.bigInteger('created_at').notNullable();
  });
}

export async function down(db: Knex): Promise<void> {
  await db.schema.dropTable('push_subscriptions');
}
