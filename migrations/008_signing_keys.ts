// Signing keys get a table of their own, with times, so they can be rotated: a key is published
// from `created_at`, signs from `activates_at`, and is dropped once the tokens it signed have
// expired after a newer key took over (see src/oidc/keys.ts). The keys kept so far in
// settings ('oidc.signing_keys') move here, active since the beginning.
import type { Knex } from 'knex';

export async function up(db: Knex): Promise<void> {
  await db.schema.createTable('signing_keys', (t) => {
    t.string('kid', 128).primary();
    t.string('alg', 16).notNullable();
    t.text('jwk').notNullable(); // the private JWK as JSON, or sealed with KEYS_SECRET
    t.bigInteger('created_at').notNullable();
    t.bigInteger('activates_at').notNullable();
    t.index(['alg', 'activates_at']);
  });
  const row = (await db('settings').where({ key: 'oidc.signing_keys' }).first('value')) as { value: string } | undefined;
  if (!row) return;
  const keys = JSON.parse(row.value) as Array<{ kid: string; alg: string }>;
  if (keys.length) await db('signing_keys').insert(keys.map((jwk) => ({ kid: jwk.kid, alg: jwk.alg, jwk: JSON.stringify(jwk), created_at: 0, activates_at: 0 })));
  await db('settings').where({ key: 'oidc.signing_keys' }).delete();
}

export async function down(db: Knex): Promise<void> {
  await db.schema.dropTableIfExists('signing_keys');
}
