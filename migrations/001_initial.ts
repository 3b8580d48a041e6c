// The first schema: accounts and their devices, the login requests and enrollments of the
// device protocol, the payloads oidc-provider persists, and settings (signing keys, secrets).
import type { Knex } from 'knex';

export async function up(db: Knex): Promise<void> {
  await db.schema.createTable('settings', (t) => {
    t.string('key', 64).primary();
    t.text('value').notNullable();
  });

  await db.schema.createTable('accounts', (t) => {
    t.string('id', 64).primary();
    t.string('email', 254).notNullable().unique();
    t.string('name', 200).notNullable();
    t.bigInteger('created_at').notNullable();
  });

  await db.schema.createTable('devices', (t) => {
    t.string('id', 64).primary(); // RFC 7638 thumbprint of the public key
    t.string('account_id', 64).notNullable().references('accounts.id').onDelete('CASCADE');
    t.string('name', 64).notNullable();
    t.string('alg', 16).notNullable();
    t.text('public_jwk').notNullable();
    t.string('status', 32).notNullable(); // active | pending_confirmation | revoked
    t.bigInteger('created_at').notNullable();
    t.bigInteger('last_used_at');
    t.bigInteger('revoked_at');
    t.index(['account_id']);
  });

  await db.schema.createTable('enrollments', (t) => {
    t.string('eid', 64).primary();
    t.string('kind', 16).notNullable(); // signup | invite | add_device
    t.string('account_id', 64).notNullable().references('accounts.id').onDelete('CASCADE');
    t.string('challenge', 64).notNullable();
    t.string('status', 16).notNullable(); // pending | enrolled
    t.string('device_id', 64);
    t.bigInteger('created_at').notNullable();
    t.bigInteger('expires_at').notNullable();
    t.bigInteger('answered_at');
  });

  await db.schema.createTable('login_requests', (t) => {
    t.string('rid', 64).primary();
    t.string('uid', 64).notNullable(); // the oidc-provider interaction it belongs to
    t.integer('generation').notNullable(); // 1, 2, … as expired QR codes are replaced
    t.string('challenge', 64).notNullable();
    t.string('client_id', 255).notNullable();
    t.string('browser_ip', 64).notNullable();
    t.string('user_agent', 512).notNullable();
    t.string('match_number', 2);
    t.string('number_choices', 8); // the three numbers a device offers, comma-separated
    t.string('status', 16).notNullable(); // pending | scanned | approved | denied | completed
    t.string('device_id', 64);
    t.string('account_id', 64);
    t.bigInteger('created_at').notNullable();
    t.bigInteger('expires_at').notNullable();
    t.bigInteger('answered_at');
    t.unique(['uid', 'generation']);
  });

  // What each person agreed to share with each third-party client, so consent is asked once per
  // person and client, not once per browser session.
  await db.schema.createTable('consents', (t) => {
    t.string('account_id', 64).notNullable().references('accounts.id').onDelete('CASCADE');
    t.string('client_id', 255).notNullable();
    t.text('scope').notNullable();
    t.text('claims').notNullable(); // JSON array of claim names beyond the scopes' own
    t.bigInteger('updated_at').notNullable();
    t.primary(['account_id', 'client_id']);
  });

  await db.schema.createTable('oidc_payloads', (t) => {
    t.string('model', 64).notNullable();
    t.string('id', 255).notNullable();
    t.text('payload').notNullable();
    t.string('grant_id', 255);
    t.string('uid', 255);
    t.string('user_code', 255);
    t.bigInteger('expires_at');
    t.bigInteger('consumed_at');
    t.primary(['model', 'id']);
    t.index(['model', 'grant_id']);
    t.index(['model', 'uid']);
    t.index(['model', 'user_code']);
    t.index(['expires_at']);
  });
}

export async function down(db: Knex): Promise<void> {
  for (const table of ['oidc_payloads', 'consents', 'login_requests', 'enrollments', 'devices', 'accounts', 'settings']) {
    await db.schema.dropTableIfExists(table);
  }
}
