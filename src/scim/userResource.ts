// The SCIM User resource (RFC 7643 §4.1) as Scanin keeps it: an account's `sub` as `id`, its
// name (as `displayName` and `name.formatted`), its one email (primary), whether it may sign in
// (`active`), and what the directory knows it by (`userName`, `externalId`). Attributes Scanin
// has no place for (phone numbers, addresses, titles, …) are ignored on the way in and never
// shown: nobody can read back what was not kept.
import { InviteError, parseAccountName, parseEmail } from '../enrollment/invites.ts';
import type { ScimUser } from '../store/scimUsers.ts';
import { invalidSyntax, invalidValue } from './errors.ts';

export const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User';

/** What a SCIM User sets in Scanin. */
export type UserInput = { userName: string; externalId: string | null; name: string; email: string; active: boolean };

export function userResource(user: ScimUser, location: string): Record<string, unknown> {
  const { account } = user;
  return {
    schemas: [USER_SCHEMA],
    id: account.id,
    ...(user.externalId !== null ? { externalId: user.externalId } : {}),
    userName: user.userName,
    name: { formatted: account.name },
    displayName: account.name,
    emails: [{ value: account.email, primary: true }],
    active: account.disabled_at === null,
    meta: {
      resourceType: 'User',
      created: new Date(account.created_at * 1000).toISOString(),
      lastModified: new Date(user.updatedAt * 1000).toISOString(),
      location,
    },
  };
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

function optionalString(body: Record<string, unknown>, key: string): string | undefined {
  const value = body[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw invalidValue(`${key} must be a string`);
  return value;
}

/** Entra ID sends booleans of PATCH as "True"/"False"; anything else that is not a boolean is refused. */
export function scimBoolean(value: unknown, key: string): boolean {
  if (typeof value === 'boolean') return value;
  if (typeof value === 'string' && /^(true|false)$/i.test(value)) return value.toLowerCase() === 'true';
  throw invalidValue(`${key} must be true or false`);
}

function checked<T>(key: string, parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    if (error instanceof InviteError) throw invalidValue(`${key}: ${error.message}`);
    throw error;
  }
}

/** The email: the primary of `emails`, else the first, else userName when it is an address. */
function emailOf(body: Record<string, unknown>, userName: string): string {
  const emails = body.emails;
  if (emails !== undefined && emails !== null) {
    if (!Array.isArray(emails) || !emails.every((e) => isObject(e) && typeof e.value === 'string')) throw invalidValue('emails must be a list of {"value": "<address>"}');
    const chosen = (emails as Array<{ value: string; primary?: unknown }>).find((e) => e.primary === true) ?? emails[0];
    if (chosen) return checked('emails', () => parseEmail(chosen.value));
  }
  try {
    return parseEmail(userName);
  } catch {
    throw invalidValue('an account needs an email address: give emails (a primary one), or a userName that is an email address');
  }
}

/** A User as POST, PUT (or PATCH, applied to the resource) gives it; 400 saying what is wrong. */
export function parseUserInput(body: Record<string, unknown>): UserInput {
  const schemas = body.schemas;
  if (!Array.isArray(schemas) || !schemas.includes(USER_SCHEMA)) throw invalidSyntax(`schemas must include ${USER_SCHEMA}`);
  const userName = optionalString(body, 'userName')?.trim();
  if (!userName) throw invalidValue('userName is required');
  if (userName.length > 254) throw invalidValue('userName must be at most 254 characters');
  const externalId = optionalString(body, 'externalId') ?? null;
  if (externalId !== null && externalId.length > 254) throw invalidValue('externalId must be at most 254 characters');
  const email = emailOf(body, userName);
  const name = isObject(body.name) ? body.name : {};
  const formatted = optionalString(body, 'displayName') ?? optionalString(name, 'formatted') ?? [optionalString(name, 'givenName'), optionalString(name, 'familyName')].filter(Boolean).join(' ');
  const display = checked('displayName', () => parseAccountName(formatted || email.split('@')[0]!));
  const active = body.active === undefined || body.active === null ? true : scimBoolean(body.active, 'active');
  return { userName, externalId, name: display, email, active };
}
