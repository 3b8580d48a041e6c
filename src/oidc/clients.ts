// clients.json: a JSON array of oidc-provider client metadata plus Scanin's own fields
// (`first_party`, `require_pkce`, front-channel logout, `resource_server`, `roles`, `allowed_groups`). Checked at start so a bad file stops Scanin with a message that names the
// client and the field, instead of failing at the first login.
import { readFileSync } from 'node:fs';
import type { ClientMetadata } from 'oidc-provider';
import { groupNameProblem } from '../store/groups.ts';
import { ROLE_NAME } from './accessRules.ts';

export class ClientsFileError extends Error {
  constructor(file: string, problem: string) {
    super(`${file}: ${problem}`);
    this.name = 'ClientsFileError';
  }
}

/** Scanin's own client fields, declared to oidc-provider (which drops unknown fields). */
export const SCANIN_CLIENT_FIELDS = ['first_party', 'number_matching', 'require_pkce', 'frontchannel_logout_uri', 'frontchannel_logout_session_required', 'require_user_verification', 'resource_server', 'roles', 'allowed_groups'];

type Metadata = Record<string, unknown>;

/**
 * The rule for Scanin's own fields, for clients.json and dynamic registration alike: the
 * problem with `key`'s value, or null. PKCE may be turned off only for a confidential client
 * (RFC 9700 §2.1.1: a public client has nothing else that binds the code to it).
 */
export function ownFieldProblem(key: string, value: unknown, metadata: Metadata): string | null {
  if (value === undefined) return null;
  switch (key) {
    case 'first_party':
    case 'number_matching':
    case 'frontchannel_logout_session_required':
    case 'require_user_verification':
      return typeof value === 'boolean' ? null : `${key} must be true or false`;
    case 'require_pkce':
      if (typeof value !== 'boolean') return 'require_pkce must be true or false';
      if (!value && metadata.token_endpoint_auth_method === 'none') return 'require_pkce can be false only for a confidential client: a public client must use PKCE';
      return null;
    case 'roles': {
      // Role name → the groups that give it: {"admin": ["wiki-admins"], "editor": ["staff"]}.
      const valid = typeof value === 'object' && value !== null && !Array.isArray(value) &&
        Object.entries(value).every(([role, groups]) => ROLE_NAME.test(role) && Array.isArray(groups) && groups.length > 0 && groups.every((group) => typeof group === 'string' && groupNameProblem(group) === null));
      return valid ? null : 'roles must map each role name (1 to 64 letters, digits, ".", "_", ":" or "-") to a non-empty array of group names';
    }
    case 'allowed_groups': {
      // Who may use the client at all (oidc/accessRules.ts): ["staff", "contractors"].
      const valid = Array.isArray(value) && value.length > 0 && value.every((group) => typeof group === 'string' && groupNameProblem(group) === null);
      return valid ? null : 'allowed_groups must be a non-empty array of group names';
    }
    case 'resource_server': {
      // RFC 8707 §2: an absolute URI without a fragment; the API introspects its tokens, so it has a secret.
      const url = typeof value === 'string' ? URL.parse(value) : null;
      if (!url || !['https:', 'http:'].includes(url.protocol) || url.hash) return 'resource_server must be the API\'s http(s) URL, without a fragment';
      if (metadata.token_endpoint_auth_method === 'none') return 'resource_server is for a confidential client: the API authenticates to introspect its tokens';
      return null;
    }
    case 'frontchannel_logout_uri': {
      const url = typeof value === 'string' ? URL.parse(value) : null;
      if (!url || !['https:', 'http:'].includes(url.protocol) || url.hash) return 'frontchannel_logout_uri must be an http(s) URL without a fragment';
      return null;
    }
    default:
      return null;
  }
}

/** Whether the client signs in people through the browser (and so needs redirect URIs). */
export function usesCodeFlow(metadata: Metadata): boolean {
  const grants = metadata.grant_types;
  return !Array.isArray(grants) || grants.includes('authorization_code');
}

function describe(index: number, metadata: Record<string, unknown>): string {
  return typeof metadata.client_id === 'string' ? `client "${metadata.client_id}"` : `client at index ${index}`;
}

function checkOwnFields(metadata: Record<string, unknown>): string | null {
  if (typeof metadata.client_id !== 'string' || metadata.client_id === '') return 'field "client_id": must be a non-empty string';
  for (const key of SCANIN_CLIENT_FIELDS) {
    const problem = ownFieldProblem(key, metadata[key], metadata);
    if (problem) return `field "${key}": ${problem}`;
  }
  const uris = metadata.redirect_uris;
  if (usesCodeFlow(metadata) && (!Array.isArray(uris) || uris.length === 0 || !uris.every((uri) => typeof uri === 'string'))) {
    return 'field "redirect_uris": must be a non-empty array of URLs (or leave "authorization_code" out of "grant_types")';
  }
  const isPublic = metadata.token_endpoint_auth_method === 'none';
  if (isPublic && 'client_secret' in metadata) return 'field "client_secret": a public client ("token_endpoint_auth_method": "none") has no secret';
  if (!isPublic && (typeof metadata.client_secret !== 'string' || metadata.client_secret.length < 32)) {
    return 'field "client_secret": a confidential client needs a secret of at least 32 characters (or set "token_endpoint_auth_method": "none")';
  }
  return null;
}

/** Line and column (from 1) of a character offset. */
function lineAndColumn(text: string, offset: number): string {
  const before = text.slice(0, offset).split('\n');
  return `${before.length}:${before.at(-1)!.length + 1}`;
}

/** JSON.parse, with a syntax error reported as file:line:column and what is wrong there. */
function parseJson(file: string, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    const message = (error as Error).message;
    // V8 says where as a character offset ("… in JSON at position 42"), or nothing at the end of the input.
    const offset = Number(/at position (\d+)/.exec(message)?.[1] ?? text.length);
    const what = message.replace(/ in JSON at position \d+.*$/s, '').replace(/^Unexpected end of JSON input$/, 'unexpected end of the file');
    throw new ClientsFileError(`${file}:${lineAndColumn(text, offset)}`, `not valid JSON: ${what}`);
  }
}

/** Reads the file and checks its shape and Scanin's own rules. */
export function readClientsFile(file: string): ClientMetadata[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ClientsFileError(file, `cannot read it (${(error as Error).message})`);
  }
  const parsed = parseJson(file, text);
  if (!Array.isArray(parsed)) throw new ClientsFileError(file, 'must be a JSON array of client objects');
  const seen = new Set<string>();
  for (const [index, entry] of parsed.entries()) {
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) throw new ClientsFileError(file, `entry ${index} must be an object`);
    const metadata = entry as Record<string, unknown>;
    const problem = checkOwnFields(metadata);
    if (problem) throw new ClientsFileError(file, `${describe(index, metadata)}: ${problem}`);
    if (seen.has(metadata.client_id as string)) throw new ClientsFileError(file, `${describe(index, metadata)}: field "client_id": appears twice`);
    seen.add(metadata.client_id as string);
    // A client without the code flow (a service, a TV) has no browser redirects to answer.
    if (!usesCodeFlow(metadata) && !('response_types' in metadata)) metadata.response_types = [];
  }
  return parsed as ClientMetadata[];
}

/** Edit distance between two field names, for "did you mean". */
function distance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i += 1) {
    const current = [i];
    for (let j = 1; j <= b.length; j += 1) {
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length]!;
}

function didYouMean(field: string, known: Iterable<string>): string {
  let best: string | undefined;
  let bestDistance = Math.max(2, Math.floor(field.length / 4)) + 1;
  for (const candidate of known) {
    const d = distance(field, candidate);
    if (d < bestDistance) [best, bestDistance] = [candidate, d];
  }
  return best ? ` (did you mean "${best}"?)` : ' (oidc-provider and Scanin do not know it)';
}

/**
 * Runs oidc-provider's own metadata check on each client, so a bad redirect URI or grant type
 * stops the start with the client's name instead of failing at its first login. `validate`
 * returns the fields the engine kept: any other field is a typo the engine would drop in
 * silence (a misspelt "first_party" would quietly make an app third-party), so it is refused.
 */
export async function checkClientsWithEngine(
  file: string,
  clients: ClientMetadata[],
  validate: (metadata: ClientMetadata) => Promise<string[]>,
): Promise<void> {
  const checked: { index: number; metadata: ClientMetadata; kept: Set<string> }[] = [];
  for (const [index, metadata] of clients.entries()) {
    try {
      checked.push({ index, metadata, kept: new Set(await validate(metadata)) });
    } catch (error) {
      const { error_description: description, message } = error as { error_description?: string; message: string };
      throw new ClientsFileError(file, `${describe(index, metadata)}: ${description ?? message}`);
    }
  }
  const known = new Set([...SCANIN_CLIENT_FIELDS, ...checked.flatMap(({ kept }) => [...kept])]);
  for (const { index, metadata, kept } of checked) {
    const unknown = Object.keys(metadata).find((field) => !kept.has(field) && !SCANIN_CLIENT_FIELDS.includes(field));
    if (unknown) throw new ClientsFileError(file, `${describe(index, metadata)}: unknown field "${unknown}"${didYouMean(unknown, known)}`);
  }
}
