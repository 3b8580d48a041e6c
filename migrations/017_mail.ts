// Mail (src/mail/):
// - `mail_outbox`: messages still to be sent, written where the event that causes them is
//   recorded (an invite, a new device, a sign-up), claimed by one instance or command at a time
//   and deleted once the SMTP server took them, so a message survives a restart or an SMTP
//   server that is down for a while. The claim works as pending_logouts' does (store/outbox.ts).
// - `email_verifications`: the links that confirm an address, found by the SHA-256 of their
//   random token (a copy of the table confirms nothing); single use, for the address they were
//   sent to (a later change of the account's email makes them worthless).
import type { Knex } from 'knex';

export async function up(db: Knex): Promise<void> {
  await db.schema.createTable('mail_outbox', (t) => {
    t.increments('id').primary();
    t.string('to_address', 254).notNullable();
    t.string('subject', 200).notNullable();
    t.text('text').notNullable();
    t.text('html').notNullable();
    t.bigInteger('created_at').notNullable();
    t.integer('attempts').notNullable().defaultTo(0);
    t.bigInteger('next_attempt_at').notNullable();
    t.index(['next_attempt_at']);
  });
  await db.schema.createTable('email_verifications', (t) => {
    t.string('token_hash', 64).primary();
    t.string('account_id', 64).notNullable().references('accounts.id').onDelete('CASCADE');
    t.string('email', 254).notNullable();
    t.bigInteger('created_at').notNullable();
    t.bigInteger('expires_at').notNullable();
    t.bigInteger('used_at');
    t.index(['account_id']);
    t.index(['expires_at']);
  });
}

export async function down(db: Knex): Promise<void> {
  await db.schema.dropTable('email_verifications');
  await db.schema.dropTable('mail_outbox');
}
