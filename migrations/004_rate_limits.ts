// Rate-limit counters: one row per (rule, subject, fixed window), incremented by one atomic
// upsert per hit, so every instance sharing the database counts the same hits and a restart
// forgets nothing. Rows are swept once their window has passed.
import type { Knex } from 'knex';

export async function up(db: Knex): Promise<void> {
  await db.schema.createTable('rate_limits', (t) => {
    t.string('rule', 32).notNullable();
    t.string('subject', 128).notNullable(); // an IP address or an account id
    t.bigInteger('window_start').notNullable();
    t.integer('hits').notNullable();
    t.bigInteger('expires_at').notNullable();
    t.primary(['rule', 'subject', 'window_start']);
    t.index(['expires_at']);
  });
}

export async function down(db: Knex): Promise<void> {
  await db.schema.dropTableIfExists('rate_limits');
}
