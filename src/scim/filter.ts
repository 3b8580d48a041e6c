// The filters of GET /Users and GET /Groups (RFC 7644 §3.4.2.2) that provisioning clients send
// to find a resource before they create one: `<attribute> eq "<value>"`: on userName,
// externalId, emails.value or id for Users; displayName, externalId or id for Groups. Anything
// else is refused with invalidFilter naming what is supported, never ignored (an ignored filter
// would answer "these are the resources you asked for" with all of them).
import type { ScimGroupFilter } from '../store/scimGroups.ts';
import type { ScimUserFilter } from '../store/scimUsers.ts';
import { ScimError } from './errors.ts';

const EQ = /^\s*([A-Za-z][\w.:-]*)\s+eq\s+"((?:[^"\\]|\\.)*)"\s*$/i;

/** The filter `raw` as { key: value }; `attributes`: lower-cased SCIM attribute → key. */
function parseEqFilter<T extends string>(raw: string | undefined, schema: string, attributes: Record<string, T>, supported: string): Partial<Record<T, string>> {
  if (raw === undefined || raw.trim() === '') return {};
  const match = EQ.exec(raw);
  const bare = match?.[1]!.toLowerCase().replace(`${schema.toLowerCase()}:`, '');
  const key = bare === undefined ? undefined : attributes[bare];
  if (!match || !key) throw new ScimError(400, 'invalidFilter', `supported filters are ${supported} eq "value"; got ${JSON.stringify(raw)}`);
  let value: string;
  try {
    value = JSON.parse(`"${match[2]}"`) as string;
  } catch {
    throw new ScimError(400, 'invalidFilter', `the filter's value is not a valid string: ${JSON.stringify(raw)}`);
  }
  return { [key]: value } as Partial<Record<T, string>>;
}

export function parseUserFilter(raw: string | undefined): ScimUserFilter {
  return parseEqFilter(raw, 'urn:ietf:params:scim:schemas:core:2.0:User', { username: 'userName', externalid: 'externalId', 'emails.value': 'email', emails: 'email', id: 'id' }, 'userName, externalId, emails.value or id');
}

export function parseGroupFilter(raw: string | undefined): ScimGroupFilter {
  return parseEqFilter(raw, 'urn:ietf:params:scim:schemas:core:2.0:Group', { displayname: 'displayName', externalid: 'externalId', id: 'id' }, 'displayName, externalId or id');
}
