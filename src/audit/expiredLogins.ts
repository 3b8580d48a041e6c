// Login requests a device read but never answered, recorded as `login.expired` as the sweeper
// removes them. Deleting with RETURNING hands each row to exactly one sweeper, so instances
// sweeping at the same moment never record one twice. (Requests nobody read are a page left
// open: not worth an entry each.)
import { recordAudit, type AuditTarget } from './audit.ts';

type ExpiredRow = { rid: string; uid: string; client_id: string; browser_ip: string; device_id: string | null; account_id: string | null; expires_at: number };

export async function recordExpiredLogins(services: AuditTarget, before: number): Promise<number> {
  // Raw, because knex builds DELETE … RETURNING for PostgreSQL only; SQLite has it since 3.35.
  const result = (await services.db.raw(
    "DELETE FROM login_requests WHERE expires_at <= ? AND status = 'scanned' RETURNING rid, uid, client_id, browser_ip, device_id, account_id, expires_at",
    [before],
  )) as ExpiredRow[] | { rows: ExpiredRow[] };
  const rows = Array.isArray(result) ? result : result.rows;
  for (const row of rows) {
    await recordAudit(services, {
      event: 'login.expired',
      account_id: row.account_id,
      device_id: row.device_id,
      ip: row.browser_ip,
      client_id: row.client_id,
      detail: { rid: row.rid, expired_at: Number(row.expires_at) },
    });
  }
  return rows.length;
}
