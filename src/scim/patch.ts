// PATCH (RFC 7644 §3.5.2) on a User: each operation is applied to the resource as Scanin shows
// it, and the result is then read like a PUT (userResource.ts), so a PATCH can set nothing a
// PUT could not. Paths Scanin keeps: userName, externalId, displayName, active, name(.formatted,
// .givenName, .familyName), emails (and Entra ID's `emails[type eq "work"].value`). Paths of
// attributes Scanin does not keep (title, phoneNumbers, the enterprise extension, …) are
// accepted and ignored, as on a PUT: directories send them with every change.
import { ScimError, invalidSyntax, invalidValue } from './errors.ts';
import { USER_SCHEMA } from './userResource.ts';

export const PATCH_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const MAX_OPERATIONS = 100;
const TOP = ['userName', 'externalId', 'displayName', 'active', 'name', 'emails'] as const;
const NAME_PARTS = ['formatted', 'givenName', 'familyName'] as const;

type Doc = Record<string, unknown>;
const isObject = (value: unknown): value is Doc => typeof value === 'object' && value !== null && !Array.isArray(value);
const known = <T extends string>(list: readonly T[], name: string): T | undefined => list.find((item) => item.toLowerCase() === name.toLowerCase());

/**
 * Scanin keeps one name: a part set here replaces the name shown, which is then made from the
 * parts this request gives (name.formatted alone, or givenName and familyName).
 */
function setNamePart(doc: Doc, part: (typeof NAME_PARTS)[number], value: unknown): void {
  delete doc.displayName;
  const name = isObject(doc.name) ? { ...doc.name } : {};
  if (part !== 'formatted') delete name.formatted;
  doc.name = { ...name, [part]: value };
}

function set(doc: Doc, attribute: string, value: unknown): void {
  const top = known(TOP, attribute);
  if (!top) return;
  if (top === 'name' && isObject(value)) {
    for (const [part, partValue] of Object.entries(value)) {
      const namePart = known(NAME_PARTS, part);
      if (namePart) setNamePart(doc, namePart, partValue);
    }
    return;
  }
  doc[top] = value;
}

function applyPath(doc: Doc, op: 'add' | 'replace' | 'remove', path: string, value: unknown): void {
  if (/^emails\[[^\]]*\](\.value)?$/i.test(path)) {
    if (op === 'remove') throw invalidValue('an account needs an email address: emails cannot be removed');
    doc.emails = [{ value, primary: true }];
    return;
  }
  const [attribute = '', part, extra] = path.split('.');
  if (extra !== undefined || /[[\]]/.test(path)) return;
  if (part !== undefined) {
    const namePart = known(NAME_PARTS, part);
    if (known(TOP, attribute) !== 'name' || !namePart) return;
    if (op === 'remove') {
      if (isObject(doc.name)) delete doc.name[namePart];
      return;
    }
    setNamePart(doc, namePart, value);
    return;
  }
  if (op !== 'remove') return set(doc, attribute, value);
  const top = known(TOP, attribute);
  if (top === 'active') throw invalidValue('active cannot be removed: replace it with true or false');
  if (top === 'emails') throw invalidValue('an account needs an email address: emails cannot be removed');
  if (top) delete doc[top];
}

export type PatchOperation = { op: 'add' | 'replace' | 'remove'; path: string | undefined; value: unknown };

/** The operations of the PATCH request `body`, checked; `schema`: the resource's, which a path may start with. 400 for a malformed request. */
export function patchOperations(body: Doc, schema: string): PatchOperation[] {
  if (!Array.isArray(body.schemas) || !body.schemas.includes(PATCH_SCHEMA)) throw invalidSyntax(`schemas must include ${PATCH_SCHEMA}`);
  const operations = body.Operations;
  if (!Array.isArray(operations) || operations.length === 0) throw invalidSyntax('Operations must be a non-empty list');
  if (operations.length > MAX_OPERATIONS) throw new ScimError(400, 'tooMany', `at most ${MAX_OPERATIONS} operations per PATCH`);
  return operations.map((operation: unknown) => {
    if (!isObject(operation) || typeof operation.op !== 'string') throw invalidSyntax('each operation needs "op": add, replace or remove');
    const op = operation.op.toLowerCase();
    if (op !== 'add' && op !== 'replace' && op !== 'remove') throw invalidSyntax(`unknown op ${JSON.stringify(operation.op)}: add, replace or remove`);
    const { path, value } = operation;
    if (path !== undefined && (typeof path !== 'string' || path === '')) throw new ScimError(400, 'invalidPath', 'path must be a non-empty string');
    if (path === undefined && op === 'remove') throw new ScimError(400, 'noTarget', 'remove needs a path');
    if (op !== 'remove' && value === undefined) throw invalidValue(`${op}${path === undefined ? '' : ` of ${path}`} needs a value`);
    if (path === undefined && !isObject(value)) throw invalidValue(`${op} without a path needs an object of attributes as its value`);
    return { op, path: path === undefined ? undefined : path.replace(new RegExp(`^${schema.replaceAll('.', '\\.')}:`, 'i'), ''), value };
  });
}

/** The resource `current` with the PATCH request `body` applied; 400 for a malformed request. */
export function applyPatch(current: Doc, body: Doc): Doc {
  const doc: Doc = structuredClone(current);
  for (const { op, path, value } of patchOperations(body, USER_SCHEMA)) {
    if (path === undefined) {
      for (const [attribute, attributeValue] of Object.entries(value as Doc)) set(doc, attribute, attributeValue);
      continue;
    }
    applyPath(doc, op, path, value);
  }
  return doc;
}
