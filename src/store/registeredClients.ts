// Clients registered by dynamic registration (RFC 7591) or made in the admin console, as the
// engine keeps them: rows of model `Client` in oidc_payloads, the metadata as the payload. The engine reads them at each use (it
// caches by content), so a change here holds on every instance at the next request.
import type { Db } from './db.ts';

export type ClientMetadataRow = Record<string, unknown> & { client_id: string };

export async function listRegisteredClients(db: Db): Promise<ClientMetadataRow[]> {
  const rows = (await db('oidc_payloads').where({ model: 'Client' }).select('payload')) as Array<{ payload: string }>;
  return rows.map((row) => JSON.parse(row.payload) as ClientMetadataRow).sort((a, b) => (a.client_id < b.client_id ? -1 : 1));
}

export async function findRegisteredClient(db: Db, clientId: string): Promise<ClientMetadataRow | undefined> {
  const row = (await db('oidc_payloads').where({ model: 'Client', id: clientId }).first('payload')) as { payload: string } | undefined;
  return row && (JSON.parse(row.payload) as ClientMetadataRow);
}

/** Stores a new client; false when its client_id is taken. */
export async function insertRegisteredClient(db: Db, metadata: ClientMetadataRow): Promise<boolean> {
  const inserted = await db('oidc_payloads').insert({ model: 'Client', id: metadata.client_id, payload: JSON.stringify(metadata), expires_at: null }).onConflict(['model', 'id']).ignore().returning('id');
  return inserted.length === 1;
}

/** Replaces a stored client's metadata; false when no such registered client. */
export async function replaceRegisteredClient(db: Db, metadata: ClientMetadataRow): Promise<boolean> {
  return (await db('oidc_payloads').where({ model: 'Client', id: metadata.client_id }).update({ payload: JSON.stringify(metadata) })) === 1;
}

/** Replaces the client's secret; false when no such registered client. */
export async function setRegisteredClientSecret(db: Db, clientId: string, secret: string): Promise<boolean> {
  return db.transaction(async (trx) => {
    const client = await findRegisteredClient(trx, clientId);
    if (!client) return false;
    await trx('oidc_payloads').where({ model: 'Client', id: clientId }).update({ payload: JSON.stringify({ ...client, client_secret: secret, client_secret_expires_at: 0 }) });
    return true;
  });
}

/** Removes the client: its tokens then name a client the engine no longer finds, and are refused. */
export async function deleteRegisteredClient(db: Db, clientId: string): Promise<boolean> {
  return (await db('oidc_payloads').where({ model: 'Client', id: clientId }).delete()) > 0;
}
