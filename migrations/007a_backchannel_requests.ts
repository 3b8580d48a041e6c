// Sign-ins started by an app without a browser (CIBA): they are login requests too, answered by
// the phone like a scanned QR code, but delivered through the device inbox.
// - `kind`: `qr` (a browser shows the code) or `backchannel` (CIBA; `uid` is the auth_req_id).
// - `binding_message`: what the app shows the person, for the phone to show too.
// The account the app named goes in `expected_account_id` (migration 002): only its devices answer.
import type { Knex } from 'knex';

export async function up(db: Knex): Promise<void> {
  await db.schema.alterTable('login_requests', (t) => {
    t.string('kind', 16).notNullable().defaultTo('qr');
    t.string('binding_message', 64);
  });
}

export async function down(db: Knex): Promise<void> {
  await db.schema.alterTable('login_requests', (t) => {
    t.dropColumn('kind');
    t.dropColumn('binding_message');
  });
}
