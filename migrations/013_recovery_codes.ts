// Recovery codes (src/recovery): one set per account, ten codes, never stored in the clear. A set
// has one random salt and the scrypt parameters it was hashed with (so they can be raised later
// without touching older sets); each code is its scrypt hash and when it was used up. A new set
// replaces the old one whole. Deleting an account deletes its codes.
import type { Knex } from 'knex';

export async function up(db: Knex): Promise<void> {
  await db.schema.createTable('recovery_code_sets', (t) => {
    t.string('account_id', 64).primary().references('accounts.id').onDelete('CASCADE');
    t.string('salt', 64).notNullable(); // base64url, 16 random bytes
    t.string('params', 64).notNullable(); // "scrypt:N:r:p"
    t.string('created_by', 16).notNullable(); // enrollment | account | admin
    // The enrollment after which the set was shown (the first one's), so that page can say so.
    t.string('shown_after_eid', 64);
    t.bigInteger('created_at').notNullable();
  });
  await db.schema.createTable('recovery_codes', (t) => {
    t.string('account_id', 64).notNullable().references('recovery_code_sets.account_id').onDelete('CASCADE');
    t.integer('slot').notNullable(); // 0–9, the order the codes were shown in
    t.string('hash', 64).notNullable(); // base64url, 32 bytes of scrypt(code, salt)
    t.bigInteger('used_at');
    t.primary(['account_id', 'slot']);
  });
}

export async function down(db: Knex): Promise<void> {
  await db.schema.dropTable('recovery_codes');
  await db.schema.dropTable('recovery_code_sets');
}
