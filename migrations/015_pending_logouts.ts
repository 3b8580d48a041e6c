// Back-channel logouts still to be sent (OpenID Connect Back-Channel Logout 1.0): one row per
// app a browser session had signed in to, written in the same transaction that ends the session
// (src/oidc/sessions.ts), so that a sign-out made anywhere — the account page, or the CLI in
// another process with no engine — reaches the apps, and a failed delivery is tried again. The
// server's instances send them (src/oidc/backchannelLogout.ts) and delete each once it is sent.
import type { Knex } from 'knex';

export async function up(db: Knex): Promise<void> {
  await db.schema.createTable('pending_logouts', (t) => {
    t.increments('id').primary();
    t.string('account_id', 64).notNullable();
    t.string('client_id', 255).notNullable();
    // The session's sid for this app, as its ID tokens carried it.
    t.string('sid', 64);
    t.bigInteger('created_at').notNullable();
    t.integer('attempts').notNullable().defaultTo(0);
    t.bigInteger('next_attempt_at').notNullable();
    t.index(['next_attempt_at']);
  });
}

export async function down(db: Knex): Promise<void> {
  await db.schema.dropTable('pending_logouts');
}
