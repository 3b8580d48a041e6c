// The admin console over HTTP, as an administrator's browser uses it: signed in with the QR login
// at /admin, then users (search, pages, invite, disable, groups, devices, sessions, recovery,
// the role), groups, apps, sessions and the audit log with its CSV export. Each action is
// audited with the administrator who did it; every refusal (no role, no or a wrong CSRF token,
// another site, a stale scan, bad input) changes nothing.
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Authenticator } from '../../src/authenticator/authenticator.ts';
import { listAudit } from '../../src/audit/audit.ts';
import { listAccountSessions } from '../../src/oidc/sessions.ts';
import { createAccount, findAccountByEmail, findAccountById, searchAccounts } from '../../src/store/accounts.ts';
import { isAdmin } from '../../src/store/admins.ts';
import { findDevice, listDevices } from '../../src/store/devices.ts';
import { addMember, createGroup, deleteGroup, findGroupByName, groupsOf, listMembers } from '../../src/store/groups.ts';
import { ageSignIns, csrfOf } from '../accountPage/accountBrowser.ts';
import { TestBrowser, type Page } from '../helpers/browser.ts';
import { runCli } from '../helpers/cli.ts';
import { enrolledPhone } from '../helpers/login.ts';
import { startTestScanin, type TestScanin } from '../helpers/scanin.ts';
import { enterAdmin, makeAdmin } from './adminBrowser.ts';

const REGISTRATION_TOKEN = 'registration-token-that-is-long-enough-0123456789';

describe('the admin console', () => {
  let scanin: TestScanin;
  let root: Authenticator;
  let rootId: string;
  let bob: Authenticator;
  let bobId: string;
  let browser: TestBrowser;
  let csrf: string;

  beforeAll(async () => {
    scanin = await startTestScanin({ env: { REGISTRATION_TOKEN } });
    root = await enrolledPhone(scanin, 'root@example.com', 'root.json');
    bob = await enrolledPhone(scanin, 'bob@example.com', 'bob.json');
    rootId = (await makeAdmin(scanin, 'root@example.com')).id;
    bobId = (await findAccountByEmail(scanin.services.db, 'bob@example.com'))!.id;
    const entered = await enterAdmin(scanin, root);
    browser = entered.browser;
    csrf = csrfOf(entered.page.body);
  });
  afterAll(async () => {
    await scanin?.close();
  });

  const open = (path: string, as = browser) => as.fetch(`${scanin.issuer}${path}`);
  const post = (path: string, form: Record<string, string>, as = browser, token: string | null = csrf) => as.fetch(`${scanin.issuer}${path}`, { method: 'POST', form: token === null ? form : { csrf: token, ...form } });
  const expectBack = (answer: Page, path: string) => {
    expect(answer.status, answer.body.slice(0, 400)).toBe(303);
    expect(answer.location).toBe(`${scanin.issuer}${path}`);
  };
  const lastAudit = async (event: string) => (await listAudit(scanin.services.db, { event })).at(-1);

  it('signs in with the QR login: a signed-out browser is sent to the QR page and comes back to the console', async () => {
    const first = await new TestBrowser().fetch(`${scanin.issuer}/admin/groups`);
    expect(first.status).toBe(303);
    expect(first.location).toBe(`${scanin.issuer}/account/login?return_to=%2Fadmin%2Fgroups`);
    const { page } = await enterAdmin(scanin, root, '/admin/groups');
    expect(page.url).toBe(`${scanin.issuer}/admin/groups`);
    expect(page.body).toContain('<h1>Groups</h1>');
    expect(page.body).toContain('aria-current="page">Groups<');
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
    expect(page.headers['cache-control']).toBe('no-store');
    // /admin itself is the users' list.
    expectBack(await open('/admin'), '/admin/users');
  });

  it('refuses an account without the admin role, whatever it asks, and audits it', async () => {
    const { browser: bobs, page } = await enterAdmin(scanin, bob);
    expect(page.status).toBe(403);
    expect(page.body).toContain('not an administrator');
    expect(page.body).not.toContain('root@example.com');
    expect((await open(`/admin/users/${rootId}`, bobs)).status).toBe(403);
    expect((await open('/admin/audit.csv', bobs)).status).toBe(403);
    // Bob's own account page's token does not open the console's forms either.
    const bobsToken = csrfOf((await open('/account', bobs)).body);
    expect((await post(`/admin/users/${rootId}/disable`, {}, bobs, bobsToken)).status).toBe(403);
    expect((await findAccountById(scanin.services.db, rootId))!.disabled_at).toBeNull();
    expect(await lastAudit('admin_console.refused')).toMatchObject({ account_id: bobId });
  });

  it('finds accounts by email, name or sub, a page at a time, with % and _ taken literally', async () => {
    const { db, clock } = scanin.services;
    for (let i = 0; i < 55; i += 1) await createAccount(db, clock, { email: `person${String(i).padStart(2, '0')}@example.org`, name: `Person ${i}`, email_verified: false });
    await createAccount(db, clock, { email: 'under_score@example.net', name: '100% Real', email_verified: false });
    const rows = (page: Page) => [...page.body.matchAll(/<tr data-account-id="[^"]+">\s*<td><a href="[^"]+">([^<]+)</g)].map((match) => match[1]);
    const first = await open('/admin/users?q=example.org');
    expect(rows(first)).toHaveLength(50);
    expect(rows(first)[0]).toBe('person00@example.org');
    expect(first.body).toContain(`href="/admin/users?q=example.org&amp;page=2"`);
    const second = await open('/admin/users?q=example.org&page=2');
    expect(rows(second)).toEqual(['person50@example.org', 'person51@example.org', 'person52@example.org', 'person53@example.org', 'person54@example.org']);
    expect(second.body).toContain('id="previous-page"');
    expect(second.body).not.toContain('id="next-page"');
    expect(rows(await open('/admin/users?q=PERSON%2012'))).toEqual(['person12@example.org']);
    expect(rows(await open(`/admin/users?q=${rootId}`))).toEqual(['root@example.com']);
    expect(rows(await open('/admin/users?q=100%25'))).toEqual(['under_score@example.net']);
    // As a wildcard, "_" would match the "ers" of every "person".
    expect(rows(await open('/admin/users?q=e_s'))).toEqual([]);
    expect(rows(await open('/admin/users?q=r_s'))).toEqual(['under_score@example.net']);
    expect(rows(await open('/admin/users?q=%25'))).toEqual(['under_score@example.net']);
    expect((await open('/admin/users?q=nobody-at-all')).body).toContain('No account matches.');
    // A page that is not a number is the first one.
    expect(rows(await open('/admin/users?page=x%27')).length).toBe(50);
  });

  it('invites someone: the account, a one-time link that binds a phone, audited with the administrator', async () => {
    const answer = await post('/admin/users/invite', { email: 'Carol@Example.com', name: 'Carol Jones' });
    expect(answer.status).toBe(200);
    const link = /id="invite-link">([^<]+)</.exec(answer.body)![1]!;
    expect(link).toMatch(new RegExp(`^${scanin.issuer}/e/[A-Za-z0-9_-]+$`));
    expect(answer.body).toContain('<svg');
    expect(answer.body).toContain('Scanin sends no mail here');
    const carol = new Authenticator({ keysFile: `${scanin.dir}/carol.json` });
    const enrolled = await carol.enroll(link);
    const account = (await findAccountByEmail(scanin.services.db, 'carol@example.com'))!;
    expect(account).toMatchObject({ id: enrolled.sub, name: 'Carol Jones' });
    expect(await lastAudit('admin.invite')).toMatchObject({ account_id: account.id, detail: { by: 'console', admin: rootId, email: 'carol@example.com' } });
    for (const email of ['', 'not-an-email', 'рaypal@example.com']) {
      const refused = await post('/admin/users/invite', { email });
      expect(refused.status, email).toBe(400);
      expect(refused.body).toContain('Nothing was changed.');
    }
  });

  it('disables an account: its sessions and tokens end at once; enabling lets its phone in again', async () => {
    const { browser: bobs } = await enterAdmin(scanin, bob);
    expect(await listAccountSessions(scanin.services.db, bobId, scanin.services.clock())).not.toHaveLength(0);
    expectBack(await post(`/admin/users/${bobId}/disable`, {}), `/admin/users/${bobId}?done=disabled`);
    expect((await findAccountById(scanin.services.db, bobId))!.disabled_at).not.toBeNull();
    expect(await listAccountSessions(scanin.services.db, bobId, scanin.services.clock())).toHaveLength(0);
    expect((await open('/account', bobs)).status).toBe(303);
    const page = await open(`/admin/users/${bobId}?done=disabled`);
    expect(page.body).toContain('The account is disabled');
    expect(page.body).toMatch(/data-field="status">disabled since/);
    expect(await lastAudit('admin.user_disabled')).toMatchObject({ account_id: bobId, detail: { admin: rootId } });
    expectBack(await post(`/admin/users/${bobId}/enable`, {}), `/admin/users/${bobId}?done=enabled`);
    await enterAdmin(scanin, bob);
  });

  it("refuses to disable or demote the administrator's own account", async () => {
    const disabling = await post(`/admin/users/${rootId}/disable`, {});
    expect(disabling.status).toBe(400);
    expect(disabling.body).toContain('You cannot disable your own account here. Nothing was changed.');
    expect((await post(`/admin/users/${rootId}/admin/revoke`, {})).status).toBe(400);
    expect(await isAdmin(scanin.services.db, rootId)).toBe(true);
    expect((await findAccountById(scanin.services.db, rootId))!.disabled_at).toBeNull();
  });

  it("adds an account to a group until a date, and removes it; a bad date or group changes nothing", async () => {
    const { db, clock } = scanin.services;
    const team = await createGroup(db, clock(), 'Tour Guides');
    const end = new Date((clock() + 30 * 86400) * 1000).toISOString().slice(0, 10);
    expectBack(await post(`/admin/users/${bobId}/groups/add`, { group_id: team.id, until: end }), `/admin/users/${bobId}?done=group_added#groups`);
    expect(await groupsOf(db, bobId, clock())).toEqual(['Tour Guides']);
    expect((await listMembers(db, team.id))[0]!.expires_at).toBe(Date.parse(end) / 1000);
    expect((await open(`/admin/users/${bobId}`)).body).toMatch(/data-field="until">until <time datetime="[^"]+"/);
    for (const [form, status] of [[{ group_id: team.id, until: '2020-01-01' }, 400], [{ group_id: team.id, until: 'tomorrow' }, 400], [{ group_id: 'no-such-group' }, 404], [{}, 400]] as const) {
      expect((await post(`/admin/users/${rootId}/groups/add`, form)).status, JSON.stringify(form)).toBe(status);
    }
    expect(await groupsOf(db, rootId, clock())).toEqual([]);
    expectBack(await post(`/admin/users/${bobId}/groups/remove`, { group_id: team.id }), `/admin/users/${bobId}?done=group_removed#groups`);
    expect(await groupsOf(db, bobId, clock())).toEqual([]);
    expect((await post(`/admin/users/${bobId}/groups/remove`, { group_id: team.id })).status).toBe(404);
  });

  it("revokes a device of the account, not another account's; ends one session or all of them", async () => {
    const { db, clock } = scanin.services;
    const [rootDevice] = await listDevices(db, rootId);
    expect((await post(`/admin/users/${bobId}/devices/revoke`, { device_id: rootDevice!.id })).status).toBe(404);
    expect((await findDevice(db, rootDevice!.id))!.status).toBe('active');
    const dana = await enrolledPhone(scanin, 'dana@example.com', 'dana.json');
    const danaId = (await findAccountByEmail(db, 'dana@example.com'))!.id;
    await enterAdmin(scanin, dana);
    await enterAdmin(scanin, dana);
    const [first, second] = await listAccountSessions(db, danaId, clock());
    expectBack(await post(`/admin/users/${danaId}/sessions/end`, { session: first!.uid }), `/admin/users/${danaId}?done=session_ended#sessions`);
    expect((await listAccountSessions(db, danaId, clock())).map((s) => s.uid)).toEqual([second!.uid]);
    expect((await post(`/admin/users/${bobId}/sessions/end`, { session: second!.uid })).status).toBe(404);
    expectBack(await post(`/admin/users/${danaId}/sessions/end-all`, {}), `/admin/users/${danaId}?done=sessions_ended#sessions`);
    expect(await listAccountSessions(db, danaId, clock())).toHaveLength(0);
    const [danaDevice] = await listDevices(db, danaId);
    expectBack(await post(`/admin/users/${danaId}/devices/revoke`, { device_id: danaDevice!.id }), `/admin/users/${danaId}?done=device_revoked#devices`);
    expect((await findDevice(db, danaDevice!.id))!.status).toBe('revoked');
    expect((await post(`/admin/users/${danaId}/devices/revoke`, { device_id: danaDevice!.id })).status).toBe(400);
    await expect(enterAdmin(scanin, dana)).rejects.toThrow();
    expect(await lastAudit('device.revoked')).toMatchObject({ account_id: danaId, device_id: danaDevice!.id, detail: { by: 'console', admin: rootId } });
  });

  it('makes new recovery codes, shown once', async () => {
    const answer = await post(`/admin/users/${bobId}/recovery-codes`, {});
    expect(answer.status).toBe(200);
    expect([...answer.body.matchAll(/<li><code>([0-9A-Z-]+)<\/code><\/li>/g)]).toHaveLength(10);
    expect((await open(`/admin/users/${bobId}`)).body).toContain('data-field="recovery">10 of 10 unused<');
    expect(await lastAudit('admin.recovery_codes')).toMatchObject({ account_id: bobId });
  });

  it('grants the admin role and takes it; a revoked role stops the next request', async () => {
    expectBack(await post(`/admin/users/${bobId}/admin/grant`, {}), `/admin/users/${bobId}?done=admin_granted#role`);
    const { browser: bobs, page } = await enterAdmin(scanin, bob);
    expect(page.status).toBe(200);
    expect(page.body).toContain('<h1>Users</h1>');
    expect((await runCli(scanin, 'admins', 'list', '--json')).stdout).toContain('bob@example.com');
    expectBack(await post(`/admin/users/${bobId}/admin/revoke`, {}), `/admin/users/${bobId}?done=admin_revoked#role`);
    expect((await open('/admin/users', bobs)).status).toBe(403);
    expect(await lastAudit('admin.admin_revoked')).toMatchObject({ account_id: bobId, detail: { admin: rootId } });
  });

  it('runs groups: make one inside another, add a member by email, rename, and delete (not while it has subgroups)', async () => {
    const { db, clock } = scanin.services;
    const made = await post('/admin/groups/create', { name: 'Engineering' });
    expect(made.status).toBe(303);
    const engineering = (await findGroupByName(db, 'Engineering'))!;
    expect(made.location).toBe(`${scanin.issuer}/admin/groups/${engineering.id}?done=created`);
    await post('/admin/groups/create', { name: 'Backend', parent: engineering.id });
    const backend = (await findGroupByName(db, 'Backend'))!;
    expect(backend.parent_id).toBe(engineering.id);
    for (const form of [{ name: 'bad,name' }, { name: 'Engineering' }, { name: 'Sub', parent: backend.id }, { name: '' }] as Array<Record<string, string>>) {
      expect((await post('/admin/groups/create', form)).status, JSON.stringify(form)).toBe(400);
    }
    expect((await post('/admin/groups/create', { name: 'Orphan', parent: 'nope' })).status).toBe(404);
    expect(await findGroupByName(db, 'Sub')).toBeUndefined();
    expectBack(await post(`/admin/groups/${backend.id}/members/add`, { email: 'BOB@example.com' }), `/admin/groups/${backend.id}?done=member_added#members`);
    expect(await groupsOf(db, bobId, clock())).toEqual(['Backend', 'Engineering']);
    expect((await post(`/admin/groups/${backend.id}/members/add`, { email: 'nobody@example.com' })).status).toBe(404);
    const page = await open(`/admin/groups/${engineering.id}`);
    expect(page.body).toContain(`href="/admin/groups/${backend.id}">Backend</a>`);
    expectBack(await post(`/admin/groups/${backend.id}/rename`, { name: 'Platform' }), `/admin/groups/${backend.id}?done=renamed`);
    expect(await groupsOf(db, bobId, clock())).toEqual(['Engineering', 'Platform']);
    const refused = await post(`/admin/groups/${engineering.id}/delete`, {});
    expect(refused.status).toBe(400);
    expect(refused.body).toContain('still has subgroups (Platform)');
    expectBack(await post(`/admin/groups/${backend.id}/members/remove`, { account_id: bobId }), `/admin/groups/${backend.id}?done=member_removed#members`);
    expectBack(await post(`/admin/groups/${backend.id}/delete`, {}), '/admin/groups?done=deleted');
    expectBack(await post(`/admin/groups/${engineering.id}/delete`, {}), '/admin/groups?done=deleted');
    expect((await open(`/admin/groups/${engineering.id}`)).status).toBe(404);
    expect(await lastAudit('admin.group_renamed')).toMatchObject({ detail: { group: 'Platform', from: 'Backend', admin: rootId } });
  });

  it("lists groups and a group's members a page at a time; the parent choice offers every top-level group", async () => {
    const { db, clock } = scanin.services;
    const teams = [];
    for (let i = 0; i < 52; i += 1) teams.push(await createGroup(db, clock(), `Team ${String(i).padStart(2, '0')}`));
    const names = (page: Page) => [...page.body.matchAll(/<tr data-group-id="[^"]+"><td><a href="[^"]+">([^<]+)</g)].map((match) => match[1]);
    const first = await open('/admin/groups');
    expect(names(first)).toHaveLength(50);
    expect(first.body).toContain('href="/admin/groups?page=2"');
    expect(first.body).toContain(`<option value="${teams[51]!.id}">Team 51</option>`);
    const second = await open('/admin/groups?page=2');
    expect(names(second)).toEqual(names(second).filter((name) => !names(first).includes(name)));
    expect([...names(first), ...names(second)].filter((name) => name!.startsWith('Team '))).toHaveLength(52);
    expect(second.body).not.toContain('id="next-page"');
    expect((await open('/admin/groups?page=9')).body).toContain('No groups on this page.');

    const people = await searchAccounts(db, 'example.org', { limit: 100, offset: 0 });
    expect(people.length).toBeGreaterThan(50);
    for (const person of people) await addMember(db, clock(), teams[0]!.id, person.id, null);
    const members = (page: Page) => [...page.body.matchAll(/<li class="item" data-account-id="[^"]+">\s*<a href="[^"]+">([^<]+)</g)].map((match) => match[1]);
    const group = await open(`/admin/groups/${teams[0]!.id}`);
    expect(members(group)).toEqual(people.slice(0, 50).map((person) => person.email));
    expect(group.body).toContain(`href="/admin/groups/${teams[0]!.id}?page=2"`);
    expect(members(await open(`/admin/groups/${teams[0]!.id}?page=2`))).toEqual(people.slice(50).map((person) => person.email));
    for (const team of teams) await deleteGroup(db, team.name);
  });

  it('lists apps without secrets; rotates a registered secret, shown once; refuses to change a clients.json app', async () => {
    const registered = (await (await fetch(`${scanin.issuer}/reg`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${REGISTRATION_TOKEN}` },
      body: JSON.stringify({ client_name: 'Nightly Sync', grant_types: ['client_credentials'], response_types: [] }),
    })).json()) as { client_id: string; client_secret: string };
    const list = await open('/admin/clients');
    expect(list.body).toContain(`data-client-id="${registered.client_id}"`);
    expect(list.body).toContain('data-client-id="test-third-party"');
    const shown = await open(`/admin/clients/${registered.client_id}`);
    expect(shown.body).toContain('set (not shown)');
    expect(shown.body).not.toContain(registered.client_secret);
    const rotated = await post(`/admin/clients/${registered.client_id}/rotate-secret`, {});
    const secret = /id="client-secret">([^<]+)</.exec(rotated.body)![1]!;
    expect(secret).not.toBe(registered.client_secret);
    const token = async (value: string) => (await fetch(`${scanin.issuer}/token`, { method: 'POST', headers: { authorization: `Basic ${Buffer.from(`${registered.client_id}:${value}`).toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' }, body: 'grant_type=client_credentials' })).status;
    expect(await token(secret)).toBe(200);
    expect(await token(registered.client_secret)).toBe(401);
    const fromFile = await post('/admin/clients/test-third-party/rotate-secret', {});
    expect(fromFile.status).toBe(400);
    expect(fromFile.body).toContain('clients.json');
    expect((await post('/admin/clients/test-public/delete', {})).status).toBe(400);
    expect((await post('/admin/clients/no-such-client/delete', {})).status).toBe(404);
    expectBack(await post(`/admin/clients/${registered.client_id}/delete`, {}), '/admin/clients?done=deleted');
    expect(await token(secret)).toBe(401);
    expect((await open(`/admin/clients/${registered.client_id}`)).status).toBe(404);
  });

  it('lists every signed-in browser and signs one out', async () => {
    // Bob has signed in before, maybe within the same second: his new session is the one not there yet.
    const earlier = new Set((await listAccountSessions(scanin.services.db, bobId, scanin.services.clock())).map((session) => session.uid));
    const { browser: bobs } = await enterAdmin(scanin, bob);
    const list = await open('/admin/sessions');
    const [bobsSession] = (await listAccountSessions(scanin.services.db, bobId, scanin.services.clock())).filter((session) => !earlier.has(session.uid));
    expect(list.body).toContain(`data-session="${bobsSession!.uid}"`);
    expect(list.body).toContain('root@example.com');
    expectBack(await post('/admin/sessions/end', { session: bobsSession!.uid }), '/admin/sessions?done=ended');
    expect((await open('/account', bobs)).status).toBe(303);
    expect((await post('/admin/sessions/end', { session: bobsSession!.uid })).status).toBe(404);
  });

  it('filters the audit log by user, app, event and time, newest first; exports CSV with the same filters', async () => {
    const page = await open('/admin/audit?user=bob%40example.com&event=admin');
    const events = [...page.body.matchAll(/<tr data-event="([^"]+)">/g)].map((match) => match[1]);
    expect(events.length).toBeGreaterThan(3);
    expect(events.every((event) => event!.startsWith('admin.'))).toBe(true);
    expect(events[0]).toBe('admin.session_ended');
    // Entries name their account by email, linked to it.
    expect(page.body).toContain(`<a href="/admin/users/${bobId}">bob@example.com</a>`);
    expect(page.body).toContain('href="/admin/audit.csv?user=bob%40example.com&amp;event=admin"');
    const none = await open('/admin/audit?since=2099-01-01');
    expect(none.body).toContain('No entries match.');
    for (const query of ['event=Login%20', 'since=soon', 'until=2026-13-45', 'user=nobody%40example.com']) {
      const refused = await open(`/admin/audit?${query}`);
      expect(refused.status, query).toBe(400);
      expect(refused.body).toContain('id="filter-problem"');
    }
    const csv = await open('/admin/audit.csv?user=bob%40example.com&event=admin.user_disabled');
    expect(csv.status).toBe(200);
    expect(csv.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(csv.headers['content-disposition']).toMatch(/^attachment; filename="scanin-audit-\d{4}-\d{2}-\d{2}\.csv"$/);
    const lines = csv.body.trimEnd().split('\r\n');
    expect(lines[0]).toBe('time,event,account_id,device_id,ip,client_id,detail');
    expect(lines.slice(1).map((line) => line.split(',')[1])).toEqual(['admin.user_disabled']);
    expect((await open('/admin/audit.csv?event=%25')).status).toBe(400);
    expect(await lastAudit('admin.audit_exported')).toMatchObject({ account_id: null, detail: { entries: 1, admin: rootId } });
  });

  it('refuses a form without the CSRF token, with a wrong one, or from another site, and changes nothing', async () => {
    for (const token of [null, '', 'wrong', csrf.slice(0, -1)]) {
      const answer = await post(`/admin/users/${bobId}/disable`, {}, browser, token);
      expect(answer.status, String(token)).toBe(403);
    }
    const answer = await request(`${scanin.issuer}/admin/users/${bobId}/disable`, {
      method: 'POST',
      headers: { cookie: browser.cookieFor(`${scanin.issuer}/admin`), origin: 'https://evil.example', 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' },
      body: new URLSearchParams({ csrf }).toString(),
    });
    expect(answer.statusCode).toBe(403);
    await answer.body.text();
    const big = await post(`/admin/users/${bobId}/groups/add`, { group_id: 'x'.repeat(9000) });
    expect(big.status).toBe(413);
    expect((await findAccountById(scanin.services.db, bobId))!.disabled_at).toBeNull();
  });

  it('asks for a fresh scan before an action when the last one is old, and changes nothing until then', async () => {
    await ageSignIns(scanin, rootId, 3600);
    const stale = await post(`/admin/users/${bobId}/disable`, {});
    expect(stale.status).toBe(303);
    expect(stale.location).toBe(`${scanin.issuer}/account/login?fresh=1&return_to=${encodeURIComponent(`/admin/users/${bobId}`)}`);
    expect((await findAccountById(scanin.services.db, bobId))!.disabled_at).toBeNull();
    expect((await open(`/admin/users/${bobId}`)).body).toContain('You will scan again to confirm');
  });
});

describe('scanin admins', () => {
  let scanin: TestScanin;
  beforeAll(async () => {
    scanin = await startTestScanin();
    await enrolledPhone(scanin, 'ops@example.com', 'ops.json');
  });
  afterAll(async () => {
    await scanin?.close();
  });

  it('grants, lists and revokes the role; refuses an unknown account', async () => {
    expect((await runCli(scanin, 'admins', 'list')).stdout).toContain('no administrators yet');
    const granted = await runCli(scanin, 'admins', 'grant', 'ops@example.com');
    expect(granted.stdout).toContain('ops@example.com is an administrator');
    expect((await runCli(scanin, 'admins', 'grant', 'ops@example.com')).stdout).toContain('is an administrator already');
    const listed = JSON.parse((await runCli(scanin, 'admins', 'list', '--json')).stdout) as Array<{ email: string; granted_by: string }>;
    expect(listed).toMatchObject([{ email: 'ops@example.com', granted_by: 'cli' }]);
    const unknown = await runCli(scanin, 'admins', 'grant', 'nobody@example.com');
    expect(unknown.code).not.toBe(0);
    expect(unknown.stderr).toContain('no account nobody@example.com');
    expect((await runCli(scanin, 'admins', 'revoke', 'ops@example.com')).code).toBe(0);
    const again = await runCli(scanin, 'admins', 'revoke', 'ops@example.com');
    expect(again.code).not.toBe(0);
    expect(again.stderr).toContain('is not an administrator');
    expect((await listAudit(scanin.services.db, { event: 'admin' })).map((entry) => entry.event)).toEqual(['admin.admin_granted', 'admin.admin_revoked']);
  });
});
