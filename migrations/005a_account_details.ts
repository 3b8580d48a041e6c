// Account details the administration and the account page show: whether an account's email
// was verified (by an administrator, never by the person signing up), and the address a device
// last answered from.
import type { Knex } from 'knex';

export async function up(db: Knex): Promise<void> {
  await db.schema.alterTable('accounts', (t) => {
    t.boolean('email_verified').notNullable().defaultTo(false);
  });
  await db.schema.alterTable('devices', (t) => {
    t.string('last_ip', 64);
  });
}

export async function down(db: Knex): Promise<void> {
  await db.schema.alterTable('devices', (t) => {
    t.dropColumn('last_ip');
  });
  await db.schema.alterTable('accounts', (t) => {
    t.dropColumn('email_verified');
  });
}
