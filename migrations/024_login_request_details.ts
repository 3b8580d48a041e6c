// What a login request asks of the phone beyond "is this you", and how the phone answered:
// - `user_verification_required`: the app requires the phone to verify its user (clients.json
//   `require_user_verification`, or acr_values / an essential acr naming only the verified level);
//   an approval without `uv` is refused (docs/protocol.md §7).
// - `uv_method`: how the approving phone verified its user (`uvm`: pin, fingerprint, face,
//   platform), mapped to the ID token's amr; null when it did not say.
// - `authorization_details`: the RFC 9396 details an app asks the person to approve, as the one
//   JSON text the phone is shown and whose hash it signs (`adh`, protocol §19); null otherwise.
import type { Knex } from 'knex';

export async function up(db: Knex): Promise<void> {
  await db.schema.alterTable('login_requests', (t) => {
    t.boolean('user_verification_required').notNullable().defaultTo(false);
    t.string('uv_method', 16).nullable();
    t.text('authorization_details').nullable();
  });
}

export async function down(db: Knex): Promise<void> {
  await db.schema.alterTable('login_requests', (t) => {
    t.dropColumn('user_verification_required');
    t.dropColumn('uv_method');
    t.dropColumn('authorization_details');
  });
}
