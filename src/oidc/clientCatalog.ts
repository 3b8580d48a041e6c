// The applications that sign people in, as an operator sees them: those of clients.json (read at
// start, changed by editing the file) beside those registered dynamically (in the database, which
// the engine reads at each use). Shared by `scanin clients` and the admin console. Secrets are
// never shown, but the new one of a rotation, once.
import { randomBytes } from 'node:crypto';
import type { Db } from '../store/db.ts';
import { deleteRegisteredClient, findRegisteredClient, insertRegisteredClient, listRegisteredClients, replaceRegisteredClient, setRegisteredClientSecret, type ClientMetadataRow } from '../store/registeredClients.ts';
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
export async function requireRegistered(db: Db, clientsFile: string, clientId: string): Promise<ClientMetadataRow> {
  if (readClientsFile(clientsFile).some((client) => client.client_id === clientId)) {
    throw new ClientCatalogError(`"${clientId}" is in ${clientsFile}: change it there, then restart Scanin`, 'refused');
  }
  const client = await findRegisteredClient(db, clientId);
  if (!client) throw new ClientCatalogError(`no client "${clientId}"`, 'not_found');
  return client;
}

/**
 * Checks metadata as the engine checks a client it loads (its schema, Scanin's own fields), so
 * that nothing is stored that it would refuse at the next sign-in: the running engine's
 * Client.validate, which throws the engine's InvalidClientMetadata / InvalidRedirectUri.
 */
export type ValidateClient = (metadata: ClientMetadataRow) => Promise<void>;

/** The engine's reason a client's metadata is refused, or the error itself when it is not one. */
function metadataProblem(error: unknown): ClientCatalogError {
  const description = (error as { error_description?: unknown }).error_description;
  if (typeof description !== 'string') throw error;
  return new ClientCatalogError(`the engine refuses this metadata: ${description}`, 'refused');
}

/** Stores a new client after the engine's checks; its client_id must be free (clients.json's too). */
export async function createRegisteredClient(db: Db, clientsFile: string, validate: ValidateClient, metadata: ClientMetadataRow): Promise<void> {
  if (readClientsFile(clientsFile).some((client) => client.client_id === metadata.client_id)) throw new ClientCatalogError(`"${metadata.client_id}" is taken by ${clientsFile}`, 'refused');
  await validate(metadata).catch((error: unknown) => {
    throw metadataProblem(error);
  });
  if (!(await insertRegisteredClient(db, metadata))) throw new ClientCatalogError(`"${metadata.client_id}" is taken`, 'refused');
}

/** Replaces a registered client's metadata after the engine's checks: it holds at the next request, on every instance. */
export async function updateRegisteredClient(db: Db, clientsFile: string, validate: ValidateClient, metadata: ClientMetadataRow): Promise<void> {
  await requireRegistered(db, clientsFile, metadata.client_id);
  await validate(metadata).catch((error: unknown) => {
    throw metadataProblem(error);
  });
  if (!(await replaceRegisteredClient(db, metadata))) throw new ClientCatalogError(`no client "${metadata.client_id}"`, 'not_found');
}

/** A new client secret: 256 bits. */
export const newClientSecret = (): string => randomBytes(32).toString('base64url');

/** Gives a registered confidential client a new secret (the old one stops working at once) and returns it. */
export async function rotateClientSecret(db: Db, clientsFile: string, clientId: string): Promise<string> {
  const client = await requireRegistered(db, clientsFile, clientId);
  if (client.token_endpoint_auth_method === 'none') throw new ClientCatalogError(`"${clientId}" is a public client: it has no secret`, 'refused');
  const secret = newClientSecret();
  await setRegisteredClientSecret(db, clientId, secret);
  return secret;
}

/** Deletes a registered client: it can no longer sign anyone in, and its tokens are refused. */
export async function removeRegisteredClient(db: Db, clientsFile: string, clientId: string): Promise<void> {
  await requireRegistered(db, clientsFile, clientId);
  await deleteRegisteredClient(db, clientId);
}
