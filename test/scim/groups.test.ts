// SCIM 2.0 Groups (RFC 7643 §4.2, RFC 7644) at /scim/v2/Groups: RFC 7643's group example,
// responses checked against the core Group schema by a SCIM library (SCIMMY), the RFC 7644
// §3.5.2 PATCH examples and Entra ID's and Okta's forms of them, filters, and what a membership
// does: the person's next ID token carries the group, and an app whose access rules name it
// lets them in; a removed member is refused at once. Refusals (bad names, unknown members,
// groups in groups, a taken name, unknown paths) are SCIM errors that change nothing.
import SCIMMY from 'scimmy';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Authenticator } from '../../src/authenticator/authenticator.ts';
import { listAudit } from '../../src/audit/audit.ts';
import { createGroup, listGroups, listMembers } from '../../src/store/groups.ts';
import { findRegisteredClient, insertRegisteredClient } from '../../src/store/registeredClients.ts';
import { completeLogin, enrolledPhone, openLoginPage } from '../helpers/login.ts';
import { discover, redeem } from '../helpers/rp.ts';
import { RP_REDIRECT, startTestScanin, TEST_CLIENTS, type TestScanin } from '../helpers/scanin.ts';
import { expectScimError, PATCH, SCIM_TOKEN, scimClient } from '../helpers/scim.ts';

const GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const GUIDES_APP = 'guides';

describe('SCIM Groups', () => {
  let scanin: TestScanin;
  const scim = scimClient(() => scanin);
  let babs: string;
  let mandy: string;
  let mandyPhone: Authenticator;

  const user = async (userName: string, displayName: string) => {
    const created = await scim('POST', '/Users', { schemas: [USER], userName, displayName, emails: [{ value: userName, primary: true }] });
    expect(created.status).toBe(201);
    return created.body.id as string;
  };
  const members = (answer: { body: Record<string, unknown> }) => ((answer.body.members ?? []) as Array<{ value: string }>).map((member) => member.value).sort();
  const groupNames = async () => (await listGroups(scanin.services.db)).map((group) => group.name);

  beforeAll(async () => {
    scanin = await startTestScanin({
      env: { SCIM_TOKEN },
      clients: [...TEST_CLIENTS, { client_id: GUIDES_APP, client_name: 'Guide Rota', first_party: true, token_endpoint_auth_method: 'none', redirect_uris: [RP_REDIRECT], allowed_groups: ['Tour Guides'] }],
    });
    babs = await user('bjensen@example.com', 'Babs Jensen');
    mandy = await user('mandy@example.com', 'Mandy Pepperidge');
    mandyPhone = await enrolledPhone(scanin, 'mandy@example.com');
  });
  afterAll(async () => {
    await scanin?.close();
  });

  it("creates RFC 7643's Tour Guides group with its members, valid by the core Group schema", async () => {
    // RFC 7643 §8.4, as a client sends it (no id, no meta), with this server's user ids.
    const created = await scim('POST', '/Groups', {
      schemas: [GROUP],
      displayName: 'Tour Guides',
      members: [
        { value: babs, $ref: `${scanin.issuer}/scim/v2/Users/${babs}`, display: 'Babs Jensen' },
        { value: mandy, $ref: `${scanin.issuer}/scim/v2/Users/${mandy}`, display: 'Mandy Pepperidge' },
      ],
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const id = created.body.id as string;
    expect(created.headers.get('location')).toBe(`${scanin.issuer}/scim/v2/Groups/${id}`);
    expect(created.headers.get('content-type')).toContain('application/scim+json');
    const group = SCIMMY.Schemas.Group.definition.coerce(created.body) as Record<string, unknown>;
    expect(group.displayName).toBe('Tour Guides');
    expect(members(created)).toEqual([babs, mandy].sort());
    expect(created.body.members).toContainEqual({ value: babs, $ref: `${scanin.issuer}/scim/v2/Users/${babs}`, display: 'bjensen@example.com', type: 'User' });
    expect(created.body.meta).toMatchObject({ resourceType: 'Group', location: `${scanin.issuer}/scim/v2/Groups/${id}` });
    expect((await scim('GET', `/Groups/${id}`)).body).toEqual(created.body);
    const audit = await listAudit(scanin.services.db);
    expect(audit.at(-1)).toMatchObject({ event: 'scim.group_created', detail: { group: 'Tour Guides', members: 2 } });
  });

  it('finds a group by displayName, externalId or id, lists without members when asked, and pages', async () => {
    const created = await scim('POST', '/Groups', { schemas: [GROUP], displayName: 'Night Staff', externalId: 'entra-4711', members: [{ value: babs }] });
    expect(created.status).toBe(201);
    const byName = await scim('GET', `/Groups?filter=${encodeURIComponent('displayName eq "Night Staff"')}`);
    expect(byName.body).toMatchObject({ totalResults: 1, Resources: [{ id: created.body.id, externalId: 'entra-4711' }] });
    const byExternal = await scim('GET', `/Groups?filter=${encodeURIComponent('externalId eq "entra-4711"')}&excludedAttributes=members`);
    expect(byExternal.body.Resources).toEqual([expect.not.objectContaining({ members: expect.anything() })]);
    expect((await scim('GET', `/Groups/${created.body.id as string}?excludedAttributes=members`)).body).not.toHaveProperty('members');
    const page = await scim('GET', '/Groups?startIndex=2&count=1');
    expect(page.body).toMatchObject({ totalResults: 2, startIndex: 2, itemsPerPage: 1 });
    for (const filter of ['members[value eq "x"]', 'displayName sw "Tour"', 'displayName eq Tour']) expectScimError(await scim('GET', `/Groups?filter=${encodeURIComponent(filter)}`), 400, 'invalidFilter');
  });

  it("applies RFC 7644's PATCH examples and Entra ID's and Okta's forms: add, remove one, remove some, replace all, rename", async () => {
    const created = await scim('POST', '/Groups', { schemas: [GROUP], displayName: 'Patchers' });
    const path = `/Groups/${created.body.id as string}`;
    const patch = (...Operations: unknown[]) => scim('PATCH', path, { schemas: [PATCH], Operations });
    // RFC 7644 §3.5.2.1: add a member.
    expect(members(await patch({ op: 'add', path: 'members', value: [{ display: 'Babs Jensen', $ref: `${scanin.issuer}/scim/v2/Users/${babs}`, value: babs }] }))).toEqual([babs]);
    // Okta: add with no path.
    expect(members(await patch({ op: 'add', value: { members: [{ value: mandy }] } }))).toEqual([babs, mandy].sort());
    // RFC 7644 §3.5.2.2: remove one member by a filter.
    expect(members(await patch({ op: 'remove', path: `members[value eq "${babs}"]` }))).toEqual([mandy]);
    // Entra ID: remove with the members as the value.
    expect(members(await patch({ op: 'Remove', path: 'members', value: [{ value: mandy }] }))).toEqual([]);
    // RFC 7644 §3.5.2.3: replace all members; then remove all.
    expect(members(await patch({ op: 'replace', path: 'members', value: [{ value: babs }, { value: mandy }] }))).toEqual([babs, mandy].sort());
    expect(members(await patch({ op: 'remove', path: 'members' }))).toEqual([]);
    // Entra ID renames with replace and no path.
    // An app kept in the database that names the group follows the rename (its access rule and roles).
    await insertRegisteredClient(scanin.services.db, { client_id: 'patch-board', client_name: 'Patch Board', redirect_uris: [RP_REDIRECT], allowed_groups: ['Patchers', 'Other'], roles: { fixer: ['Patchers'] } });
    const renamed = await patch({ op: 'Replace', value: { displayName: 'Patch Crew', externalId: 'x-1' } });
    expect(renamed.body).toMatchObject({ displayName: 'Patch Crew', externalId: 'x-1' });
    expect(await groupNames()).toContain('Patch Crew');
    expect(await findRegisteredClient(scanin.services.db, 'patch-board')).toMatchObject({ allowed_groups: ['Patch Crew', 'Other'], roles: { fixer: ['Patch Crew'] } });
    expect((await listAudit(scanin.services.db)).at(-1)).toMatchObject({ event: 'scim.group_updated', detail: { group: 'Patch Crew', was: 'Patchers', apps: 'patch-board', file_apps: '', added: 0, removed: 0 } });
  });

  it('replaces a group with PUT and deletes it with its memberships', async () => {
    const created = await scim('POST', '/Groups', { schemas: [GROUP], displayName: 'Temp', members: [{ value: babs }] });
    const path = `/Groups/${created.body.id as string}`;
    const put = await scim('PUT', path, { schemas: [GROUP], displayName: 'Temporary', members: [{ value: mandy }] });
    expect(put.status).toBe(200);
    expect({ name: put.body.displayName, members: members(put) }).toEqual({ name: 'Temporary', members: [mandy] });
    expect((await scim('DELETE', path)).status).toBe(204);
    expectScimError(await scim('GET', path), 404);
    expectScimError(await scim('DELETE', path), 404);
    expect(await groupNames()).not.toContain('Temporary');
    expect(await scanin.services.db('group_members').where({ group_id: created.body.id as string })).toEqual([]);
  });

  it('refuses a bad name, a taken one, an unknown member, a group as a member and an unknown path, changing nothing', async () => {
    const before = await groupNames();
    expectScimError(await scim('POST', '/Groups', { schemas: [GROUP], displayName: 'Sales, EMEA' }), 400, 'invalidValue');
    expectScimError(await scim('POST', '/Groups', { schemas: [GROUP], displayName: 'Tour Guides' }), 409, 'uniqueness');
    expectScimError(await scim('POST', '/Groups', { schemas: [GROUP], displayName: 'Ghosts', members: [{ value: 'no-such-user' }] }), 400, 'invalidValue');
    expectScimError(await scim('POST', '/Groups', { schemas: [GROUP], displayName: 'Nested', members: [{ value: babs, type: 'Group' }] }), 400, 'invalidValue');
    expectScimError(await scim('POST', '/Groups', { schemas: [USER], displayName: 'Wrong' }), 400, 'invalidSyntax');
    expectScimError(await scim('POST', '/Groups', '{"schemas":'), 400, 'invalidSyntax');
    const guides = (await scim('GET', `/Groups?filter=${encodeURIComponent('displayName eq "Tour Guides"')}`)).body.Resources as Array<{ id: string }>;
    const path = `/Groups/${guides[0]!.id}`;
    const patch = (...Operations: unknown[]) => scim('PATCH', path, { schemas: [PATCH], Operations });
    expectScimError(await patch({ op: 'replace', path: 'owner', value: 'x' }), 400, 'invalidPath');
    expectScimError(await patch({ op: 'add', path: 'members', value: [{ value: 'no-such-user' }] }), 400, 'invalidValue');
    expectScimError(await patch({ op: 'remove', path: 'displayName' }), 400, 'invalidValue');
    expectScimError(await patch({ op: 'replace', path: 'displayName', value: 'Night Staff' }), 409, 'uniqueness');
    expectScimError(await scim('PATCH', path, { schemas: [PATCH], Operations: [] }), 400, 'invalidSyntax');
    expect(await groupNames()).toEqual(before);
    expect(members(await scim('GET', path))).toEqual([babs, mandy].sort());
    // A parent with a subgroup made with the CLI is not deleted from under it.
    const parent = await scim('POST', '/Groups', { schemas: [GROUP], displayName: 'Parent' });
    await createGroup(scanin.services.db, scanin.services.clock(), 'child', 'Parent');
    expectScimError(await scim('DELETE', `/Groups/${parent.body.id as string}`), 409);
  });

  it("puts the group in the member's tokens and lets them into the app that requires it; a removed member is refused at once", async () => {
    const guides = ((await scim('GET', `/Groups?filter=${encodeURIComponent('displayName eq "Tour Guides"')}`)).body.Resources as Array<{ id: string }>)[0]!;
    const app = await discover(scanin.issuer, GUIDES_APP);
    const login = await openLoginPage(app, undefined, { scope: 'openid email groups' });
    await mandyPhone.answer(login.qrUrl, 'approve');
    const tokens = await redeem(app, await completeLogin(scanin, login), login.auth);
    expect(tokens.claims()!.groups).toContain('Tour Guides');

    const patched = await scim('PATCH', `/Groups/${guides.id}`, { schemas: [PATCH], Operations: [{ op: 'remove', path: `members[value eq "${mandy}"]` }] });
    expect(members(patched)).toEqual([babs]);
    expect((await listMembers(scanin.services.db, guides.id)).map((member) => member.email)).toEqual(['bjensen@example.com']);
    const again = await openLoginPage(app);
    await mandyPhone.answer(again.qrUrl, 'approve');
    const { page } = await again.browser.follow(`${again.interactionUrl}/complete`, scanin.issuer);
    expect(page.status).toBe(403);
    expect(page.body).toContain("You don't have access to Guide Rota");
  });
});
