// The account page's list of signed-in browsers: for a session, the address and user agent of
// the browser when it signed in (the engine's payload keeps neither), beside the device that
// approved it (005_revocation). Other payloads leave both empty.
import type { Knex } from 'knex';

export async function up(db: Knex): Promise<void> {
  await db.schema.alterTable('oidc_payloads', (t) => {
    t.string('ip', 45);
    t.string('user_agent', 512);
  });
}

export async function down(db: Knex): Promise<void> {
  await db.schema.alterTable('oidc_payloads', (t) => {
    t.dropColumn('user_agent');
    t.dropColumn('ip');
  });
}
