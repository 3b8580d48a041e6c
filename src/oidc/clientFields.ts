// The fields of an app that an administrator sets, in the admin console or with `scanin clients
// create|update`: checked here once for both, then turned into client metadata that the engine
// checks as it checks any client (clientCatalog.ts).
//   client_name                 1 to 100 printable characters (what the phone shows)
//   redirect_uris               1 to 20
//   post_logout_redirect_uris   up to 20
//   allowed_groups              existing group names: only their members get in (a typo would keep everyone out)
//   roles                       role name → existing groups whose members have it, in the `roles` claim
//   first_party                 no consent page (the operator vouches for the app)
// The type (confidential with a secret, or public with PKCE) is chosen when the app is made.
import { newId } from '../ids.ts';
import { displayText } from '../protocol/displayText.ts';
import type { Db } from '../store/db.ts';
import { findGroupByName } from '../store/groups.ts';
import type { ClientMetadataRow } from '../store/registeredClients.ts';
import { TEXT_LIMITS } from '../text/cleanText.ts';
import { ROLE_NAME, type RoleMap } from './accessRules.ts';
import { ClientCatalogError, newClientSecret } from './clientCatalog.ts';

const MAX_URIS = 20;
const MAX_ROLES = 50;

export type ClientFields = {
  client_name: string;
  redirect_uris: string[];
  post_logout_redirect_uris: string[];
  allowed_groups: string[];
  roles: RoleMap;
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

/** Names trimmed, emptied of blanks and repeats, each an existing group. */
async function existingGroups(db: Db, names: string[]): Promise<string[]> {
  const groups = [...new Set(names.map((group) => group.trim()).filter((group) => group !== ''))];
  for (const group of groups) {
    if (!(await findGroupByName(db, group))) throw refusedField(`there is no group named “${group.slice(0, 64)}”`);
  }
  return groups;
}

/**
 * Roles written as "role = group, group", a line each (the console's form, `--role` of the CLI;
 * role names have no "="). Checked by checkClientFields.
 */
export function rolesOfLines(lines: string[]): RoleMap {
  const entries: Array<[string, string[]]> = [];
  for (const line of lines.map((row) => row.trim()).filter((row) => row !== '')) {
    const equals = line.indexOf('=');
    if (equals < 0) throw refusedField(`write each role as “role = group, group”: “${line.slice(0, 64)}” has no “=”`);
    entries.push([line.slice(0, equals).trim(), line.slice(equals + 1).split(',')]);
  }
  const names = entries.map(([role]) => role);
  const repeated = names.find((role, index) => names.indexOf(role) !== index);
  if (repeated !== undefined) throw refusedField(`the role “${repeated.slice(0, 64)}” is given twice: name all its groups at once`);
  // fromEntries makes even "__proto__" a property of its own, which checkRoles then refuses by name.
  return Object.fromEntries(entries);
}

async function checkRoles(db: Db, roles: RoleMap): Promise<RoleMap> {
  const entries = Object.entries(roles);
  if (entries.length > MAX_ROLES) throw refusedField(`at most ${MAX_ROLES} roles`);
  const checked: RoleMap = {};
  for (const [role, groups] of entries) {
    if (!ROLE_NAME.test(role)) throw refusedField(`a role name is 1 to 64 letters, digits, “.”, “_”, “:” or “-”, starting with a letter or digit: not “${role.slice(0, 64)}”`);
    const given = await existingGroups(db, groups);
    if (given.length === 0) throw refusedField(`name the groups whose members have the role “${role}”`);
    checked[role] = given;
  }
  return checked;
}

/** The fields checked (lists trimmed, emptied of blanks and repeats); ClientCatalogError says what is wrong. */
export async function checkClientFields(db: Db, input: ClientFields): Promise<ClientFields> {
  const name = displayText(input.client_name, TEXT_LIMITS.clientName);
  if (name === null) throw refusedField(`the name is 1 to ${TEXT_LIMITS.clientName} printable characters`);
  const redirectUris = uris(input.redirect_uris, 'redirect URIs');
  if (redirectUris.length === 0) throw refusedField('give at least one redirect URI: where the app receives the sign-in');
  return {
    client_name: name,
    redirect_uris: redirectUris,
    post_logout_redirect_uris: uris(input.post_logout_redirect_uris, 'post-logout redirect URIs'),
    allowed_groups: await existingGroups(db, input.allowed_groups),
    roles: await checkRoles(db, input.roles),
    first_party: input.first_party,
  };
}

const stringList = (value: unknown): string[] => (Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : []);

/** The fields of a stored client, as its form and `scanin clients update` start from. */
export function clientFieldsOf(metadata: ClientMetadataRow): ClientFields {
  const roles = metadata.roles;
  return {
    client_name: typeof metadata.client_name === 'string' ? metadata.client_name : '',
    redirect_uris: stringList(metadata.redirect_uris),
    post_logout_redirect_uris: stringList(metadata.post_logout_redirect_uris),
    allowed_groups: stringList(metadata.allowed_groups),
    roles: typeof roles === 'object' && roles !== null && !Array.isArray(roles) ? Object.fromEntries(Object.entries(roles).map(([role, groups]) => [role, stringList(groups)])) : {},
    first_party: metadata.first_party === true,
  };
}

/**
 * `metadata` with the fields: the lists and flags left empty are removed, not stored empty (the
 * engine reads an absent allowed_groups as "anyone", and refuses an empty one).
 */
export function withClientFields(metadata: ClientMetadataRow, fields: ClientFields): ClientMetadataRow {
  const { post_logout_redirect_uris: _logout, allowed_groups: _groups, roles: _roles, first_party: _firstParty, ...rest } = metadata;
  return {
    ...rest,
    client_name: fields.client_name,
    redirect_uris: fields.redirect_uris,
    ...(fields.post_logout_redirect_uris.length ? { post_logout_redirect_uris: fields.post_logout_redirect_uris } : {}),
    ...(fields.allowed_groups.length ? { allowed_groups: fields.allowed_groups } : {}),
    ...(Object.keys(fields.roles).length ? { roles: fields.roles } : {}),
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
