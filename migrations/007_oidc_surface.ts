// Whether the phone verified its user (PIN or biometrics) before approving a login: it decides
// the login's acr and amr (src/oidc/authContext.ts).
import type { Knex } from 'knex';

export async function up(db: Knex): Promise<void> {
  await db.schema.alterTable('login_requests', (t) => {
    t.boolean('user_verified').notNullable().defaultTo(false);
  });
}

export async function down(db: Knex): Promise<void> {
  await db.schema.alterTable('login_requests', (t) => {
    t.dropColumn('user_verified');
  });
}
