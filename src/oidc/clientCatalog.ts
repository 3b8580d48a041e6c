// The applications that sign people in, as an operator sees them: those of clients.json (read at
// start, changed by editing the file) beside those registered dynamically (in the database, which
// the engine reads at each use). Shared by `scanin clients` and the admin console. Secrets are
// never shown, but the new one of a rotation, once.
import { randomBytes } from 'node:crypto';
import type { Db } from '../store/db.ts';
import { deleteRegisteredClient, findRegisteredClient, listRegisteredClients, setRegisteredClientSecret, type ClientMetadataRow } from '../store/registeredClients.ts';
import { readClientsFile } from './clients.ts';

/** Why a client cannot be changed: the message says what to do instead. */
export class ClientCatalogError extends Error {
  constructor(message: string, readonly kind: 'not_found' | 'refused') {
    super(message);
  }
}

export type ClientSource = 'clients.json' | 'registered';

/** What an operator reads of a client: its metadata without secrets, and where it comes from. */
export function describeClient(metadata: Record<string, unknown>, source: ClientSource) {
  const { client_secret: secret, registration_access_token: _token, ...rest } = metadata;
  return {
    client_id: String(metadata.client_id),
    client_name: typeof metadata.client_name === 'string' ? metadata.client_name : null,
    source,
    type: metadata.token_endpoint_auth_method === 'none' ? 'public' : 'confidential',
    ...rest,
    ...(secret !== undefined ? { client_secret: 'set (not shown)' } : {}),
  };
}

export type ClientListing = ReturnType<typeof describeClient>;

export async function allClients(db: Db, clientsFile: string): Promise<ClientListing[]> {
  const fromFile = readClientsFile(clientsFile).map((metadata) => describeClient(metadata as Record<string, unknown>, 'clients.json'));
  const fileIds = new Set(fromFile.map((client) => client.client_id));
  // The file's client wins: the engine finds its static clients first.
  const registered = (await listRegisteredClients(db)).filter((client) => !fileIds.has(client.client_id)).map((client) => describeClient(client, 'registered'));
  return [...fromFile, ...registered];
}

/** A registered client, or an error that says why this one cannot be changed here. */
async function requireRegistered(db: Db, clientsFile: string, clientId: string): Promise<ClientMetadataRow> {
  if (readClientsFile(clientsFile).some((client) => client.client_id === clientId)) {
    throw new ClientCatalogError(`"${clientId}" is in ${clientsFile}: change it there, then restart Scanin`, 'refused');
  }
  const client = await findRegisteredClient(db, clientId);
  if (!client) throw new ClientCatalogError(`no client "${clientId}"`, 'not_found');
  return client;
}

/** Gives a registered confidential client a new secret (the old one stops working at once) and returns it. */
export async function rotateClientSecret(db: Db, clientsFile: string, clientId: string): Promise<string> {
  const client = await requireRegistered(db, clientsFile, clientId);
  if (client.token_endpoint_auth_method === 'none') throw new ClientCatalogError(`"${clientId}" is a public client: it has no secret`, 'refused');
  const secret = randomBytes(32).toString('base64url');
  await setRegisteredClientSecret(db, clientId, secret);
  return secret;
}

/** Deletes a registered client: it can no longer sign anyone in, and its tokens are refused. */
export async function removeRegisteredClient(db: Db, clientsFile: string, clientId: string): Promise<void> {
  await requireRegistered(db, clientsFile, clientId);
  await deleteRegisteredClient(db, clientId);
}
