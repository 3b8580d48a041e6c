// Apps made and changed in the admin console, stored in the database: a real relying party
// (openid-client) signs a person in with the client id and secret the console showed once; the
// app's name is what the phone shows; an access rule set in the console keeps out whoever is not
// in its groups; roles set there reach the ID token and userinfo; bad input (no name, no redirect
// URI, one the engine refuses, an unknown group, a malformed role, no type) changes nothing; an
// app of clients.json cannot be changed there.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Authenticator } from '../../src/authenticator/authenticator.ts';
import { listAudit } from '../../src/audit/audit.ts';
import { findRegisteredClient, listRegisteredClients } from '../../src/store/registeredClients.ts';
import { createGroup, addMember, findGroupByName } from '../../src/store/groups.ts';
import { findAccountByEmail } from '../../src/store/accounts.ts';
import { csrfOf } from '../accountPage/accountBrowser.ts';
import type { TestBrowser } from '../helpers/browser.ts';
import { completeLogin, enrolledPhone, openLoginPage } from '../helpers/login.ts';
import { discover, redeem } from '../helpers/rp.ts';
import { fetchUserInfo } from 'openid-client';
import { RP_REDIRECT, startTestScanin, TEST_CLIENTS, type TestScanin } from '../helpers/scanin.ts';
import { enterAdmin, makeAdmin } from './adminBrowser.ts';

describe('apps in the admin console', () => {
  let scanin: TestScanin;
  let root: Authenticator;
  let outsider: Authenticator;
  let browser: TestBrowser;
  let csrf: string;

  beforeAll(async () => {
    // A clients.json app that names a group, which a rename in the console cannot change.
    scanin = await startTestScanin({ clients: [...TEST_CLIENTS, { client_id: 'crew-file', client_name: 'Crew File', token_endpoint_auth_method: 'none', redirect_uris: [RP_REDIRECT], allowed_groups: ['Night Crew'] }] });
    root = await enrolledPhone(scanin, 'root@example.com', 'root.json');
    outsider = await enrolledPhone(scanin, 'otto@example.com', 'otto.json');
    await makeAdmin(scanin, 'root@example.com');
    const { db, clock } = scanin.services;
    const crew = await createGroup(db, clock(), 'Night Crew');
    await addMember(db, clock(), crew.id, (await findAccountByEmail(db, 'root@example.com'))!.id, null);
    const entered = await enterAdmin(scanin, root);
    browser = entered.browser;
    csrf = csrfOf(entered.page.body);
  });
  afterAll(async () => {
    await scanin?.close();
  });

  const post = (path: string, form: Record<string, string>) => browser.fetch(`${scanin.issuer}${path}`, { method: 'POST', form: { csrf, ...form } });
  const VALID = { client_name: 'Team Wiki', redirect_uris: `${RP_REDIRECT}\r\n`, type: 'confidential', first_party: 'on' };

  it('makes a confidential app whose id and secret, shown once, sign a person in with openid-client', async () => {
    const made = await post('/admin/clients/create', VALID);
    expect(made.status).toBe(200);
    const clientId = /id="client-id">([^<]+)</.exec(made.body)![1]!;
    const secret = /id="client-secret">([^<]+)</.exec(made.body)![1]!;
    expect(await findRegisteredClient(scanin.services.db, clientId)).toMatchObject({ client_name: 'Team Wiki', redirect_uris: [RP_REDIRECT], token_endpoint_auth_method: 'client_secret_basic', first_party: true });
    expect((await browser.fetch(`${scanin.issuer}/admin/clients/${clientId}`)).body).not.toContain(secret);

    const wiki = await discover(scanin.issuer, clientId, secret);
    const login = await openLoginPage(wiki);
    const read = await outsider.fetchLoginRequest(login.qrUrl);
    expect(read.client.name).toBe('Team Wiki');
    await outsider.answer(login.qrUrl, 'approve');
    const tokens = await redeem(wiki, await completeLogin(scanin, login), login.auth);
    expect(tokens.claims()!.email).toBe('otto@example.com');
    expect((await listAudit(scanin.services.db, { event: 'admin.client_created' })).at(-1)).toMatchObject({ client_id: clientId, detail: { client_name: 'Team Wiki', type: 'confidential', by: 'console' } });
  });

  it('changes an app: a new name and an access rule hold at its next sign-in', async () => {
    const clientId = (await listRegisteredClients(scanin.services.db)).find((client) => client.client_name === 'Team Wiki')!.client_id;
    const form = await browser.fetch(`${scanin.issuer}/admin/clients/${clientId}/edit`);
    expect(form.body).toContain(`>${RP_REDIRECT}</textarea>`);
    const changed = await post(`/admin/clients/${clientId}/edit`, { ...VALID, client_name: 'Crew Wiki', allowed_groups: 'Night Crew', type: 'public' });
    expect(changed.status).toBe(303);
    expect(changed.location).toBe(`${scanin.issuer}/admin/clients/${clientId}?done=updated`);
    // The type is chosen when the app is made: an edit keeps its secret.
    expect(await findRegisteredClient(scanin.services.db, clientId)).toMatchObject({ client_name: 'Crew Wiki', allowed_groups: ['Night Crew'], token_endpoint_auth_method: 'client_secret_basic' });
    const stored = (await findRegisteredClient(scanin.services.db, clientId))!;
    const wiki = await discover(scanin.issuer, clientId, stored.client_secret as string);
    const login = await openLoginPage(wiki);
    expect((await outsider.fetchLoginRequest(login.qrUrl)).client.name).toBe('Crew Wiki');
    await outsider.answer(login.qrUrl, 'approve');
    const { page, leftTo } = await login.browser.follow(`${login.interactionUrl}/complete`, scanin.issuer);
    expect(leftTo).toBeUndefined();
    expect(page.status).toBe(403);
    expect(page.body).toContain("You don't have access to Crew Wiki — ask your administrator.");
    // Emptied, the rule is gone, not an empty list.
    await post(`/admin/clients/${clientId}/edit`, { ...VALID });
    expect(await findRegisteredClient(scanin.services.db, clientId)).not.toHaveProperty('allowed_groups');
  });

  it('makes a public app: no secret, PKCE', async () => {
    const made = await post('/admin/clients/create', { ...VALID, client_name: 'Notes SPA', type: 'public' });
    expect(made.body).toContain('A public app has no secret');
    const clientId = /id="client-id">([^<]+)</.exec(made.body)![1]!;
    const spa = await discover(scanin.issuer, clientId);
    const login = await openLoginPage(spa);
    await root.answer(login.qrUrl, 'approve');
    expect((await redeem(spa, await completeLogin(scanin, login), login.auth)).claims()!.email).toBe('root@example.com');
  });

  it("gives an app roles: its form shows them back, members of their groups get them in the ID token and userinfo", async () => {
    const { db, clock } = scanin.services;
    await createGroup(db, clock(), 'Day Crew');
    const made = await post('/admin/clients/create', { ...VALID, client_name: 'Roster', type: 'public', roles: 'editor = Night Crew\r\nviewer = Day Crew,  Night Crew \r\n\r\nauditor = Day Crew' });
    const clientId = /id="client-id">([^<]+)</.exec(made.body)![1]!;
    expect((await findRegisteredClient(db, clientId))!.roles).toEqual({ editor: ['Night Crew'], viewer: ['Day Crew', 'Night Crew'], auditor: ['Day Crew'] });
    const form = await browser.fetch(`${scanin.issuer}/admin/clients/${clientId}/edit`);
    expect(form.body).toContain('>editor = Night Crew\nviewer = Day Crew, Night Crew\nauditor = Day Crew</textarea>');

    const roster = await discover(scanin.issuer, clientId);
    const login = await openLoginPage(roster, undefined, { scope: 'openid email groups' });
    await root.answer(login.qrUrl, 'approve');
    const tokens = await redeem(roster, await completeLogin(scanin, login), login.auth);
    // root is in Night Crew only: not an auditor.
    expect(tokens.claims()).toMatchObject({ groups: ['Night Crew'], roles: ['editor', 'viewer'] });
    const userinfo = await fetchUserInfo(roster, tokens.access_token, tokens.claims()!.sub);
    expect(userinfo).toMatchObject({ groups: ['Night Crew'], roles: ['editor', 'viewer'] });

    // Emptied, the roles are gone, not an empty map.
    await post(`/admin/clients/${clientId}/edit`, { ...VALID, client_name: 'Roster' });
    expect(await findRegisteredClient(db, clientId)).not.toHaveProperty('roles');
  });

  it('refuses what the engine or the form would refuse, and stores nothing', async () => {
    const before = (await listRegisteredClients(scanin.services.db)).length;
    const cases: Array<[Record<string, string>, string]> = [
      [{ ...VALID, client_name: '' }, 'The name is 1 to 100'],
      [{ ...VALID, redirect_uris: '  \n ' }, 'Give at least one redirect URI'],
      [{ ...VALID, redirect_uris: 'not a url' }, 'redirect_uris'],
      [{ ...VALID, redirect_uris: 'https://app.example/cb#fragment' }, 'redirect_uris'],
      [{ ...VALID, allowed_groups: 'Night Crew, Nobody' }, 'There is no group named “Nobody”'],
      [{ ...VALID, type: 'both' }, 'Choose whether the app is confidential'],
      [{ ...VALID, roles: 'editor: Night Crew' }, 'has no “=”'],
      [{ ...VALID, roles: 'editor = Night Crew\nviewer = Nobody' }, 'There is no group named “Nobody”'],
      [{ ...VALID, roles: 'editor = Night Crew\neditor = Night Crew' }, 'The role “editor” is given twice'],
      [{ ...VALID, roles: 'chief editor = Night Crew' }, 'A role name is 1 to 64'],
      [{ ...VALID, roles: '__proto__ = Night Crew' }, 'A role name is 1 to 64'],
      [{ ...VALID, roles: 'editor = , ' }, 'Name the groups whose members have the role “editor”'],
      [{ ...VALID, roles: Array.from({ length: 51 }, (_, i) => `r${i} = Night Crew`).join('\n') }, 'At most 50 roles'],
      [{ ...VALID, redirect_uris: Array.from({ length: 21 }, (_, i) => `https://app.example/${i}`).join('\n') }, 'At most 20'],
    ];
    for (const [form, message] of cases) {
      const answer = await post('/admin/clients/create', form);
      expect(answer.status, JSON.stringify(form).slice(0, 100)).toBe(400);
      expect(answer.body).toContain(message);
      expect(answer.body).toContain('Nothing was changed.');
    }
    expect((await listRegisteredClients(scanin.services.db)).length).toBe(before);
    const fileClient = await post('/admin/clients/test-public/edit', VALID);
    expect(fileClient.status).toBe(400);
    expect(fileClient.body).toContain('clients.json');
    expect((await browser.fetch(`${scanin.issuer}/admin/clients/test-public/edit`)).status).toBe(400);
    expect((await post('/admin/clients/no-such-app/edit', VALID)).status).toBe(404);
  });

  it("renames a group in its apps' access rules and roles, and says which apps of clients.json still name the old name", async () => {
    const { db } = scanin.services;
    const made = await post('/admin/clients/create', { ...VALID, client_name: 'Shift Board', type: 'public', allowed_groups: 'Night Crew', roles: 'lead = Night Crew' });
    const clientId = /id="client-id">([^<]+)</.exec(made.body)![1]!;
    const crew = (await findGroupByName(db, 'Night Crew'))!;
    const renamed = await post(`/admin/groups/${crew.id}/rename`, { name: 'Night Shift' });
    expect(renamed.location).toBe(`${scanin.issuer}/admin/groups/${crew.id}?done=renamed_but_file`);
    expect((await browser.fetch(renamed.location!)).body).toContain('apps of clients.json still name the old name');
    expect(await findRegisteredClient(db, clientId)).toMatchObject({ allowed_groups: ['Night Shift'], roles: { lead: ['Night Shift'] } });
    expect((await listAudit(db, { event: 'admin.group_renamed' })).at(-1)).toMatchObject({ detail: { group: 'Night Shift', from: 'Night Crew', file_apps: 'crew-file' } });

    // Root, a member, still gets in, with the role under the new name.
    const board = await discover(scanin.issuer, clientId);
    const login = await openLoginPage(board, undefined, { scope: 'openid groups' });
    await root.answer(login.qrUrl, 'approve');
    expect((await redeem(board, await completeLogin(scanin, login), login.auth)).claims()).toMatchObject({ groups: ['Night Shift'], roles: ['lead'] });
  });
});
