// Device-authenticated requests (`Authorization: Scanin <JWS>`) and the device vault.
// - device_request_ids: the `jti` of every accepted request assertion, kept until its `iat`
//   window has passed, so a captured request cannot be sent again while it would still verify.
// - device_vaults: one opaque blob per device, encrypted on the device; the server only keeps
//   it and counts its versions, so a write based on a stale copy is refused instead of lost.
import type { Knex } from 'knex';

export async function up(db: Knex): Promise<void> {
  await db.schema.createTable('device_request_ids', (t) => {
    t.string('device_id', 64).notNullable().references('devices.id').onDelete('CASCADE');
    t.string('jti', 128).notNullable();
    t.bigInteger('expires_at').notNullable();
    t.primary(['device_id', 'jti']);
    t.index(['expires_at']);
  });

  await db.schema.createTable('device_vaults', (t) => {
    t.string('device_id', 64).primary().references('devices.id').onDelete('CASCADE');
    t.integer('version').notNullable();
    t.text('data').notNullable();
    t.bigInteger('updated_at').notNullable();
  });
}

export async function down(db: Knex): Promise<void> {
  await db.schema.dropTableIfExists('device_vaults');
  await db.schema.dropTableIfExists('device_request_ids');
}
