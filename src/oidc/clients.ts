// clients.json: a JSON array of oidc-provider client metadata plus Scanin's own fields
// (`first_party`). Checked at start so a bad file stops Scanin with a message that names the
// client and the field, instead of failing at the first login.
import { readFileSync } from 'node:fs';
import type { ClientMetadata } from 'oidc-provider';

export class ClientsFileError extends Error {
  constructor(file: string, problem: string) {
    super(`${file}: ${problem}`);
    this.name = 'ClientsFileError';
  }
}

/** Scanin's own client fields, declared to oidc-provider (which drops unknown fields). */
export const SCANIN_CLIENT_FIELDS = ['first_party'];

function describe(index: number, metadata: Record<string, unknown>): string {
  return typeof metadata.client_id === 'string' ? `client "${metadata.client_id}"` : `client at index ${index}`;
}

function checkOwnFields(metadata: Record<string, unknown>): string | null {
  if (typeof metadata.client_id !== 'string' || metadata.client_id === '') return 'field "client_id": must be a non-empty string';
  if ('first_party' in metadata && typeof metadata.first_party !== 'boolean') return 'field "first_party": must be true or false';
  const uris = metadata.redirect_uris;
  if (!Array.isArray(uris) || uris.length === 0 || !uris.every((uri) => typeof uri === 'string')) {
    return 'field "redirect_uris": must be a non-empty array of URLs';
  }
  const isPublic = metadata.token_endpoint_auth_method === 'none';
  if (isPublic && 'client_secret' in metadata) return 'field "client_secret": a public client ("token_endpoint_auth_method": "none") has no secret';
  if (!isPublic && (typeof metadata.client_secret !== 'string' || metadata.client_secret.length < 32)) {
    return 'field "client_secret": a confidential client needs a secret of at least 32 characters (or set "token_endpoint_auth_method": "none")';
  }
  return null;
}

/** Reads the file and checks its shape and Scanin's own rules. */
export function readClientsFile(file: string): ClientMetadata[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new ClientsFileError(file, `cannot read it as JSON (${(error as Error).message})`);
  }
  if (!Array.isArray(parsed)) throw new ClientsFileError(file, 'must be a JSON array of client objects');
  const seen = new Set<string>();
  for (const [index, entry] of parsed.entries()) {
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) throw new ClientsFileError(file, `entry ${index} must be an object`);
    const metadata = entry as Record<string, unknown>;
    const problem = checkOwnFields(metadata);
    if (problem) throw new ClientsFileError(file, `${describe(index, metadata)}: ${problem}`);
    if (seen.has(metadata.client_id as string)) throw new ClientsFileError(file, `${describe(index, metadata)}: field "client_id": appears twice`);
    seen.add(metadata.client_id as string);
  }
  return parsed as ClientMetadata[];
}

/**
 * Runs oidc-provider's own metadata check on each client, so a bad redirect URI or grant type
 * stops the start with the client's name instead of failing at its first login.
 */
export async function checkClientsWithEngine(
  file: string,
  clients: ClientMetadata[],
  validate: (metadata: ClientMetadata) => Promise<void>,
): Promise<void> {
  for (const [index, metadata] of clients.entries()) {
    try {
      await validate(metadata);
    } catch (error) {
      const { error_description: description, message } = error as { error_description?: string; message: string };
      throw new ClientsFileError(file, `${describe(index, metadata)}: ${description ?? message}`);
    }
  }
}
