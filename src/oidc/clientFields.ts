// The fields of an app that an administrator sets, in the admin console or with `scanin clients
// create|update`: checked here once for both, then turned into client metadata that the engine
// checks as it checks any client (clientCatalog.ts).
//   client_name                 1 to 100 printable characters (what the phone shows)
//   redirect_uris               1 to 20
//   post_logout_redirect_uris   up to 20
//   allowed_groups              existing group names: only their members get in (a typo would keep everyone out)
//   first_party                 no consent page (the operator vouches for the app)
// The type (confidential with a secret, or public with PKCE) is chosen when the app is made.
import { newId } from '../ids.ts';
import { displayText } from '../protocol/displayText.ts';
import type { Db } from '../store/db.ts';
import { findGroupByName } from '../store/groups.ts';
import type { ClientMetadataRow } from '../store/registeredClients.ts';
import { TEXT_LIMITS } from '../text/cleanText.ts';
import { ClientCatalogError, newClientSecret } from './clientCatalog.ts';

const MAX_URIS = 20;

export type ClientFields = {
  client_name: string;
  redirect_uris: string[];
  post_logout_redirect_uris: string[];
  allowed_groups: string[];
  first_party: boolean;
};

export type ClientType = 'confidential' | 'public';

const refusedField = (message: string) => new ClientCatalogError(message, 'refused');

function uris(list: string[], label: string): string[] {
  const kept = [...new Set(list.map((uri) => uri.trim()).filter((uri) => uri !== ''))];
  if (kept.length > MAX_URIS) throw refusedField(`at most ${MAX_URIS} ${label}`);
  if (kept.some((uri) => uri.length > 2000)) throw refusedField(`a ${label.replace(/s$/, '')} is at most 2000 characters`);
  return kept;
}

/** The fields checked (lists trimmed, emptied of blanks and repeats); ClientCatalogError says what is wrong. */
export async function checkClientFields(db: Db, input: ClientFields): Promise<ClientFields> {
  const name = displayText(input.client_name, TEXT_LIMITS.clientName);
  if (name === null) throw refusedField(`the name is 1 to ${TEXT_LIMITS.clientName} printable characters`);
  const redirectUris = uris(input.redirect_uris, 'redirect URIs');
  if (redirectUris.length === 0) throw refusedField('give at least one redirect URI: where the app receives the sign-in');
  const groups = [...new Set(input.allowed_groups.map((group) => group.trim()).filter((group) => group !== ''))];
  for (const group of groups) {
    if (!(await findGroupByName(db, group))) throw refusedField(`there is no group named “${group.slice(0, 64)}”`);
  }
  return { client_name: name, redirect_uris: redirectUris, post_logout_redirect_uris: uris(input.post_logout_redirect_uris, 'post-logout redirect URIs'), allowed_groups: groups, first_party: input.first_party };
}

/**
 * `metadata` with the fields: the lists and flags left empty are removed, not stored empty (the
 * engine reads an absent allowed_groups as "anyone", and refuses an empty one).
 */
export function withClientFields(metadata: ClientMetadataRow, fields: ClientFields): ClientMetadataRow {
  const { post_logout_redirect_uris: _logout, allowed_groups: _groups, first_party: _firstParty, ...rest } = metadata;
  return {
    ...rest,
    client_name: fields.client_name,
    redirect_uris: fields.redirect_uris,
    ...(fields.post_logout_redirect_uris.length ? { post_logout_redirect_uris: fields.post_logout_redirect_uris } : {}),
    ...(fields.allowed_groups.length ? { allowed_groups: fields.allowed_groups } : {}),
    ...(fields.first_party ? { first_party: true } : {}),
  };
}

/** A new app's metadata: a random client_id, the code flow with refresh tokens, and its secret when confidential. */
export function newClientMetadata(fields: ClientFields, type: ClientType, now: number): { metadata: ClientMetadataRow; secret: string | null } {
  const secret = type === 'confidential' ? newClientSecret() : null;
  const metadata = withClientFields({
    client_id: newId(),
    client_id_issued_at: now,
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    token_endpoint_auth_method: secret ? 'client_secret_basic' : 'none',
    ...(secret ? { client_secret: secret, client_secret_expires_at: 0 } : {}),
  }, fields);
  return { metadata, secret };
}
