// PATCH (RFC 7644 §3.5.2) on a Group, as Okta and Entra ID send it: members added
// (`add` `members`), removed one by one (`remove` `members[value eq "<id>"]`, or Entra's `remove`
// `members` with the members as its value), all removed (`remove` `members`) or replaced
// (`replace` `members`); `displayName` and `externalId` replaced, with a path or as an object
// without one. The operations apply in order to the group's input (groupResource.ts), which is
// then stored like a PUT. A path to anything else is refused (invalidPath): a Group has nothing
// else Scanin could keep, and silently ignoring a change to its members would be wrong.
import { ScimError, invalidValue } from './errors.ts';
import { checkDisplayName, checkExternalId, GROUP_SCHEMA, memberIds, type GroupInput } from './groupResource.ts';
import { patchOperations } from './patch.ts';

const MEMBER_FILTER = /^members\[\s*value\s+eq\s+"((?:[^"\\]|\\.)*)"\s*\]$/i;

type Doc = Record<string, unknown>;

function setAttribute(input: GroupInput, op: 'add' | 'replace', attribute: string, value: unknown): void {
  switch (attribute.toLowerCase()) {
    case 'displayname':
      input.displayName = checkDisplayName(value);
      return;
    case 'externalid':
      input.externalId = checkExternalId(value);
      return;
    case 'members': {
      const ids = memberIds(value);
      input.members = op === 'add' ? [...new Set([...input.members, ...ids])] : ids;
      return;
    }
    default:
      throw new ScimError(400, 'invalidPath', `a Group keeps displayName, externalId and members; got ${JSON.stringify(attribute)}`);
  }
}

function remove(input: GroupInput, path: string, value: unknown): void {
  const one = MEMBER_FILTER.exec(path);
  if (one) {
    const id = JSON.parse(`"${one[1]}"`) as string;
    input.members = input.members.filter((member) => member !== id);
    return;
  }
  if (path.toLowerCase() === 'members') {
    const leaving = value === undefined ? null : new Set(memberIds(value));
    input.members = leaving ? input.members.filter((member) => !leaving.has(member)) : [];
    return;
  }
  if (path.toLowerCase() === 'externalid') {
    input.externalId = null;
    return;
  }
  if (path.toLowerCase() === 'displayname') throw invalidValue('a group needs its displayName: replace it instead');
  throw new ScimError(400, 'invalidPath', `a Group keeps displayName, externalId and members; got ${JSON.stringify(path)}`);
}

/** `current` with the PATCH request `body` applied; 400 for a malformed request. */
export function applyGroupPatch(current: GroupInput, body: Doc): GroupInput {
  const input: GroupInput = { ...current, members: [...current.members] };
  for (const { op, path, value } of patchOperations(body, GROUP_SCHEMA)) {
    if (op === 'remove') remove(input, path!, value);
    else if (path !== undefined) setAttribute(input, op, path, value);
    else for (const [attribute, attributeValue] of Object.entries(value as Doc)) setAttribute(input, op, attribute, attributeValue);
  }
  return input;
}
