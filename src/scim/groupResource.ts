// The SCIM Group resource (RFC 7643 §4.2) as Scanin keeps it: a group's id, its name as
// `displayName` (the name tokens carry in `groups`, so it follows the group-name rule of
// store/groups.ts: ASCII letters, digits, spaces, ".", "_" and "-"), what the directory knows it by (`externalId`), and its members,
// each a User (an account's `sub`). Groups as members are refused: Scanin's one level of nesting
// is the operator's (`scanin groups create --parent`).
import type { ScimGroup } from '../store/scimGroups.ts';
import { groupNameProblem } from '../store/groups.ts';
import { invalidSyntax, invalidValue } from './errors.ts';

export const GROUP_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Group';
/** The most members one request may name (a bigger group is sent in several PATCHes). */
export const MAX_MEMBERS = 1000;

/** What a SCIM Group sets in Scanin. */
export type GroupInput = { displayName: string; externalId: string | null; members: string[] };

export function groupResource(scimGroup: ScimGroup, location: string, userLocation: (id: string) => string, withMembers = true): Record<string, unknown> {
  const { group } = scimGroup;
  return {
    schemas: [GROUP_SCHEMA],
    id: group.id,
    ...(scimGroup.externalId !== null ? { externalId: scimGroup.externalId } : {}),
    displayName: group.name,
    ...(withMembers ? { members: scimGroup.members.map((member) => ({ value: member.id, $ref: userLocation(member.id), display: member.email, type: 'User' })) } : {}),
    meta: {
      resourceType: 'Group',
      created: new Date(group.created_at * 1000).toISOString(),
      lastModified: new Date(scimGroup.updatedAt * 1000).toISOString(),
      location,
    },
  };
}

export function checkDisplayName(value: unknown): string {
  if (typeof value !== 'string') throw invalidValue('displayName is required, a string');
  const problem = groupNameProblem(value);
  if (problem) throw invalidValue(`displayName is the name tokens carry: ${problem}`);
  return value;
}

export function checkExternalId(value: unknown): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string' || value.length > 254) throw invalidValue('externalId must be a string of at most 254 characters');
  return value;
}

/** The ids of a `members` value: a list of {"value": "<User id>"}. */
export function memberIds(value: unknown): string[] {
  if (!Array.isArray(value)) throw invalidValue('members must be a list of {"value": "<User id>"}');
  if (value.length > MAX_MEMBERS) throw invalidValue(`at most ${MAX_MEMBERS} members per request`);
  return [...new Set(value.map((member: unknown) => {
    const { value: id, type } = (typeof member === 'object' && member !== null ? member : {}) as { value?: unknown; type?: unknown };
    if (typeof id !== 'string' || id === '') throw invalidValue('each member needs "value": the id of a User');
    if (type !== undefined && type !== 'User') throw invalidValue('members are Users: Scanin does not put a group in a group by SCIM');
    return id;
  }))];
}

/** A Group as POST or PUT gives it; 400 saying what is wrong. */
export function parseGroupInput(body: Record<string, unknown>): GroupInput {
  const schemas = body.schemas;
  if (!Array.isArray(schemas) || !schemas.includes(GROUP_SCHEMA)) throw invalidSyntax(`schemas must include ${GROUP_SCHEMA}`);
  return {
    displayName: checkDisplayName(body.displayName),
    externalId: checkExternalId(body.externalId),
    members: body.members === undefined || body.members === null ? [] : memberIds(body.members),
  };
}
