// Cutting off what a device or a person opened: which account and which device each stored
// engine payload (session, grant, token) belongs to, and accounts that an administrator disabled.
import type { Knex } from 'knex';

export async function up(db: Knex): Promise<void> {
  await db.schema.alterTable('accounts', (t) => {
    t.bigInteger('disabled_at');
  });
  await db.schema.alterTable('oidc_payloads', (t) => {
    t.string('account_id', 64);
    // Sessions: the device whose approval signed the browser in; grants: the device of the
    // session that handed them out.
    t.string('device_id', 64);
    t.index(['account_id']);
    t.index(['device_id']);
  });
  // Rows stored before this migration name their account only inside the payload.
  const rows = (await db('oidc_payloads').select('model', 'id', 'payload')) as Array<{ model: string; id: string; payload: string }>;
  for (const row of rows) {
    const accountId = (JSON.parse(row.payload) as { accountId?: unknown }).accountId;
    if (typeof accountId === 'string') await db('oidc_payloads').where({ model: row.model, id: row.id }).update({ account_id: accountId });
  }
}

export async function down(db: Knex): Promise<void> {
  await db.schema.alterTable('oidc_payloads', (t) => {
    t.dropIndex(['device_id']);
    t.dropIndex(['account_id']);
    t.dropColumn('device_id');
    t.dropColumn('account_id');
  });
  await db.schema.alterTable('accounts', (t) => {
    t.dropColumn('disabled_at');
  });
}
