// The filters of GET /Users (RFC 7644 §3.4.2.2) that provisioning clients send to find a user
// before they create one: `<attribute> eq "<value>"` on userName, externalId, emails.value or
// id. Anything else is refused with invalidFilter naming what is supported, never ignored (an
// ignored filter would answer "these are the users you asked for" with all of them).
import type { ScimUserFilter } from '../store/scimUsers.ts';
import { ScimError } from './errors.ts';

const ATTRIBUTES: Record<string, keyof ScimUserFilter> = { username: 'userName', externalid: 'externalId', 'emails.value': 'email', emails: 'email', id: 'id' };
const EQ = /^\s*([A-Za-z][\w.:-]*)\s+eq\s+"((?:[^"\\]|\\.)*)"\s*$/i;

export function parseUserFilter(raw: string | undefined): ScimUserFilter {
  if (raw === undefined || raw.trim() === '') return {};
  const match = EQ.exec(raw);
  const key = match && ATTRIBUTES[match[1]!.replace(/^urn:ietf:params:scim:schemas:core:2\.0:User:/i, '').toLowerCase()];
  if (!match || !key) throw new ScimError(400, 'invalidFilter', `supported filters are userName, externalId, emails.value or id eq "value"; got ${JSON.stringify(raw)}`);
  let value: string;
  try {
    value = JSON.parse(`"${match[2]}"`) as string;
  } catch {
    throw new ScimError(400, 'invalidFilter', `the filter's value is not a valid string: ${JSON.stringify(raw)}`);
  }
  return { [key]: value };
}
