// SCIM 2.0 provisioning (RFC 7643/7644) at /scim/v2 with SCIM_TOKEN: the RFCs' own examples,
// responses checked against the core schemas by a SCIM library (SCIMMY), filters and paging as
// provisioning clients use them, PATCH as Okta and Entra ID send it, deprovisioning that ends the
// person's sessions and tokens at once, and the refusals (token, body, filter, uniqueness), each
// a SCIM error that changes nothing.
import SCIMMY from 'scimmy';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listAudit } from '../../src/audit/audit.ts';
import { findAccountByEmail, findAccountById, listAccounts } from '../../src/store/accounts.ts';
import { enrolledPhone, openLoginPage } from '../helpers/login.ts';
import { discover, redeem } from '../helpers/rp.ts';
import { startTestScanin, type TestScanin } from '../helpers/scanin.ts';
import { expectScimError, PATCH, SCIM_TOKEN as TOKEN, scimClient } from '../helpers/scim.ts';

const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';

// RFC 7643 §8.2, "Full User Representation" (as a client sends it: no id, no meta).
const BJENSEN = {
  schemas: [USER],
  externalId: '701984',
  userName: 'bjensen@example.com',
  name: { formatted: 'Ms. Barbara J Jensen, III', familyName: 'Jensen', givenName: 'Barbara', middleName: 'Jane', honorificPrefix: 'Ms.', honorificSuffix: 'III' },
  displayName: 'Babs Jensen',
  nickName: 'Babs',
  profileUrl: 'https://login.example.com/bjensen',
  emails: [
    { value: 'bjensen@example.com', type: 'work', primary: true },
    { value: 'babs@jensen.org', type: 'home' },
  ],
  addresses: [{ type: 'work', streetAddress: '100 Universal City Plaza', locality: 'Hollywood', region: 'CA', postalCode: '91608', country: 'USA', primary: true }],
  phoneNumbers: [{ value: '555-555-5555', type: 'work' }],
  userType: 'Employee',
  title: 'Tour Guide',
  preferredLanguage: 'en-US',
  locale: 'en-US',
  timezone: 'America/Los_Angeles',
  active: true,
  password: 't1meMa$heen',
};

describe('SCIM provisioning', () => {
  let scanin: TestScanin;
  const scim = scimClient(() => scanin);
  const accountCount = async () => (await listAccounts(scanin.services.db)).length;

  beforeAll(async () => {
    scanin = await startTestScanin({ env: { SCIM_TOKEN: TOKEN } });
  });
  afterAll(async () => {
    await scanin?.close();
  });

  it('answers only with the SCIM token, as a SCIM error with a Bearer challenge', async () => {
    for (const authorization of [undefined, 'Bearer wrong-token', `Basic ${TOKEN}`, `Bearer ${TOKEN}x`]) {
      const answer = await scim('GET', '/Users', undefined, authorization === undefined ? { authorization: '' } : { authorization });
      expectScimError(answer, 401);
      expect(answer.headers.get('www-authenticate')).toBe('Bearer realm="scim"');
    }
  });

  it('describes itself: ServiceProviderConfig, ResourceTypes and Schemas, valid by the core schemas', async () => {
    const config = await scim('GET', '/ServiceProviderConfig');
    expect(config.status).toBe(200);
    const parsed = SCIMMY.Schemas.ServiceProviderConfig.definition.coerce(config.body) as Record<string, { supported: boolean }>;
    expect(parsed.patch!.supported).toBe(true);
    expect(parsed.bulk!.supported).toBe(false);
    const types = await scim('GET', '/ResourceTypes');
    expect((types.body.Resources as Array<{ endpoint: string }>).map((t) => t.endpoint)).toEqual(['/Users', '/Groups']);
    expect((await scim('GET', `/Schemas/${USER}`)).status).toBe(200);
    expectScimError(await scim('GET', '/Schemas/urn:nope'), 404);
  });

  it("creates RFC 7643's full user: the account of its primary email, verified, named by displayName; what Scanin does not keep is not shown", async () => {
    const before = await accountCount();
    const created = await scim('POST', '/Users', BJENSEN);
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const user = SCIMMY.Schemas.User.definition.coerce(created.body) as Record<string, unknown>;
    expect(user).toMatchObject({ userName: 'bjensen@example.com', externalId: '701984', displayName: 'Babs Jensen', active: true });
    expect(created.body.emails).toEqual([{ value: 'bjensen@example.com', primary: true }]);
    for (const kept of ['phoneNumbers', 'addresses', 'title', 'password', 'nickName']) expect(created.body).not.toHaveProperty(kept);
    const account = (await findAccountByEmail(scanin.services.db, 'bjensen@example.com'))!;
    expect(created.body.id).toBe(account.id);
    expect(account).toMatchObject({ name: 'Babs Jensen', email_verified: true, disabled_at: null });
    expect(created.headers.get('location')).toBe(`${scanin.issuer}/scim/v2/Users/${account.id}`);
    expect((created.body.meta as Record<string, unknown>).location).toBe(created.headers.get('location'));
    expect(await accountCount()).toBe(before + 1);
    expect((await listAudit(scanin.services.db, { accountId: account.id })).map((e) => e.event)).toContain('scim.user_created');
    expect((await scim('GET', `/Users/${account.id}`)).body).toEqual(created.body);
  });

  it("refuses RFC 7644's minimal user (no email), a taken userName in any case, and a malformed one, creating nothing", async () => {
    const before = await accountCount();
    // RFC 7644 §3.3.
    const minimal = await scim('POST', '/Users', { schemas: [USER], userName: 'bjensen', externalId: 'bjensen', name: { formatted: 'Ms. Barbara J Jensen III', familyName: 'Jensen', givenName: 'Barbara' } });
    expectScimError(minimal, 400, 'invalidValue');
    expect(minimal.body.detail).toContain('an account needs an email address');
    expectScimError(await scim('POST', '/Users', { ...BJENSEN, userName: 'BJensen@Example.com', emails: [{ value: 'other@example.com', primary: true }] }), 409, 'uniqueness');
    expectScimError(await scim('POST', '/Users', { ...BJENSEN, userName: 'b2@example.com' }), 409, 'uniqueness');
    expectScimError(await scim('POST', '/Users', { ...BJENSEN, schemas: [] }), 400, 'invalidSyntax');
    expectScimError(await scim('POST', '/Users', { schemas: [USER], userName: 'x@example.com', active: 'maybe' }), 400, 'invalidValue');
    expectScimError(await scim('POST', '/Users', { schemas: [USER], userName: 'x@exаmple.com' }), 400, 'invalidValue');
    expectScimError(await scim('POST', '/Users', '{"schemas": ['), 400, 'invalidSyntax');
    expectScimError(await scim('POST', '/Users', '[]'), 400, 'invalidSyntax');
    expectScimError(await scim('POST', '/Users', JSON.stringify(BJENSEN), { 'content-type': 'text/plain' }), 400, 'invalidSyntax');
    expectScimError(await scim('POST', '/Users', { ...BJENSEN, userName: 'big@example.com', title: 'x'.repeat(70 * 1024) }), 413);
    expect(await accountCount()).toBe(before);
  });

  it('finds users by userName (in any case), emails.value, externalId and id, pages them, and refuses filters it does not support', async () => {
    for (const n of [1, 2, 3]) expect((await scim('POST', '/Users', { schemas: [USER], userName: `page${n}@example.com`, externalId: `ext-${n}` })).status).toBe(201);
    const byName = await scim('GET', `/Users?filter=${encodeURIComponent('userName eq "PAGE2@example.com"')}`);
    const list = new SCIMMY.Messages.ListResponse(byName.body as never) as unknown as { totalResults: number; startIndex: number; itemsPerPage: number; Resources: Array<Record<string, unknown>> };
    expect(list).toMatchObject({ totalResults: 1, startIndex: 1, itemsPerPage: 1 });
    const [found] = list.Resources;
    SCIMMY.Schemas.User.definition.coerce(found!);
    expect(found).toMatchObject({ userName: 'page2@example.com', externalId: 'ext-2' });
    for (const filter of ['emails.value eq "page2@example.com"', 'externalId eq "ext-2"', `id eq "${found!.id as string}"`, `urn:ietf:params:scim:schemas:core:2.0:User:userName eq "page2@example.com"`]) {
      const answer = await scim('GET', `/Users?filter=${encodeURIComponent(filter)}`);
      expect(answer.body.totalResults, filter).toBe(1);
    }
    expect((await scim('GET', `/Users?filter=${encodeURIComponent('userName eq "nobody@example.com"')}`)).body).toMatchObject({ totalResults: 0, Resources: [] });
    const all = await scim('GET', '/Users');
    const total = all.body.totalResults as number;
    const page = await scim('GET', '/Users?startIndex=2&count=2');
    expect(page.body).toMatchObject({ totalResults: total, startIndex: 2, itemsPerPage: 2 });
    expect((page.body.Resources as unknown[])).toEqual((all.body.Resources as unknown[]).slice(1, 3));
    expect((await scim('GET', '/Users?count=0')).body).toMatchObject({ totalResults: total, itemsPerPage: 0 });
    for (const filter of ['userName sw "page"', 'title eq "x"', 'userName eq page1', 'userName eq "a" and active eq true']) {
      expectScimError(await scim('GET', `/Users?filter=${encodeURIComponent(filter)}`), 400, 'invalidFilter');
    }
    expectScimError(await scim('GET', '/Users?count=lots'), 400, 'invalidValue');
  });

  it('replaces a user (PUT) and patches it as Okta and Entra ID do; a PATCH that cannot apply changes nothing', async () => {
    const made = await scim('POST', '/Users', { schemas: [USER], userName: 'carl@example.com', name: { givenName: 'Carl', familyName: 'Old' } });
    const id = made.body.id as string;
    expect(made.body.displayName).toBe('Carl Old');
    const put = await scim('PUT', `/Users/${id}`, { schemas: [USER], userName: 'carl@example.com', displayName: 'Carl New', emails: [{ value: 'carl.new@example.com', primary: true }] });
    expect(put.body).toMatchObject({ displayName: 'Carl New', emails: [{ value: 'carl.new@example.com', primary: true }] });
    expect(await findAccountById(scanin.services.db, id)).toMatchObject({ name: 'Carl New', email: 'carl.new@example.com', email_verified: true });

    // Okta: replace without a path. Entra ID: a path, capitalised op, emails by filter.
    const okta = await scim('PATCH', `/Users/${id}`, { schemas: [PATCH], Operations: [{ op: 'replace', value: { name: { givenName: 'Carla', familyName: 'Smith' }, externalId: 'okta-1' } }] });
    expect(okta.body).toMatchObject({ displayName: 'Carla Smith', externalId: 'okta-1' });
    const entra = await scim('PATCH', `/Users/${id}`, {
      schemas: [PATCH],
      Operations: [
        { op: 'Replace', path: 'emails[type eq "work"].value', value: 'carla@example.com' },
        { op: 'Add', path: 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department', value: 'Sales' },
        { op: 'Remove', path: 'externalId' },
      ],
    });
    expect(entra.status, JSON.stringify(entra.body)).toBe(200);
    SCIMMY.Schemas.User.definition.coerce(entra.body);
    expect(entra.body).toMatchObject({ emails: [{ value: 'carla@example.com', primary: true }] });
    expect(entra.body).not.toHaveProperty('externalId');

    const unchanged = (await scim('GET', `/Users/${id}`)).body;
    expectScimError(await scim('PATCH', `/Users/${id}`, { schemas: [PATCH], Operations: [{ op: 'remove' }] }), 400, 'noTarget');
    expectScimError(await scim('PATCH', `/Users/${id}`, { schemas: [PATCH], Operations: [{ op: 'move', path: 'userName', value: 'x' }] }), 400, 'invalidSyntax');
    expectScimError(await scim('PATCH', `/Users/${id}`, { schemas: [PATCH], Operations: [] }), 400, 'invalidSyntax');
    expectScimError(await scim('PATCH', `/Users/${id}`, { Operations: [{ op: 'replace', path: 'displayName', value: 'X' }] }), 400, 'invalidSyntax');
    expectScimError(await scim('PATCH', `/Users/${id}`, { schemas: [PATCH], Operations: [{ op: 'replace', path: 'displayName', value: 'Y' }, { op: 'remove', path: 'emails' }] }), 400, 'invalidValue');
    expectScimError(await scim('PATCH', `/Users/${id}`, { schemas: [PATCH], Operations: [{ op: 'replace', path: 'userName', value: 'bjensen@example.com' }] }), 409, 'uniqueness');
    expectScimError(await scim('PATCH', `/Users/${id}`, { schemas: [PATCH], Operations: Array.from({ length: 101 }, () => ({ op: 'replace', path: 'displayName', value: 'Z' })) }), 400, 'tooMany');
    expect((await scim('GET', `/Users/${id}`)).body).toEqual(unchanged);
    expectScimError(await scim('PATCH', '/Users/no-such-user', { schemas: [PATCH], Operations: [{ op: 'replace', path: 'displayName', value: 'Y' }] }), 404);
  });

  it('deprovisioning (active false) disables the account and ends its sessions and tokens at once; active true lets it back; DELETE removes it', async () => {
    const config = await discover(scanin.issuer);
    const phone = await enrolledPhone(scanin, 'dora@example.com', 'dora.json');
    const login = await openLoginPage(config);
    await phone.answer(login.qrUrl, 'approve');
    const tokens = await redeem(config, (await login.browser.follow(`${login.interactionUrl}/complete`, scanin.issuer)).leftTo!, login.auth);
    const me = () => fetch(`${scanin.issuer}/me`, { headers: { authorization: `Bearer ${tokens.access_token}` } }).then((r) => r.status);
    expect(await me()).toBe(200);

    // Dora was invited before the directory knew her: it takes over her account, the same sub.
    const adopted = await scim('POST', '/Users', { schemas: [USER], userName: 'dora@example.com', displayName: 'Dora' });
    expect(adopted.status).toBe(201);
    const id = adopted.body.id as string;
    expect(id).toBe(tokens.claims()!.sub);
    expect(await me()).toBe(200);

    const off = await scim('PATCH', `/Users/${id}`, { schemas: [PATCH], Operations: [{ op: 'Replace', path: 'active', value: 'False' }] });
    expect(off.body.active).toBe(false);
    expect(await me()).toBe(401);
    expect((await findAccountById(scanin.services.db, id))!.disabled_at).not.toBeNull();
    const refused = await phone.answer((await openLoginPage(config)).qrUrl, 'approve').catch((error: unknown) => error as { status: number; error: string });
    expect(refused).toMatchObject({ status: 403, error: 'account_disabled' });

    const on = await scim('PATCH', `/Users/${id}`, { schemas: [PATCH], Operations: [{ op: 'replace', value: { active: true } }] });
    expect(on.body.active).toBe(true);
    const events = (await listAudit(scanin.services.db, { accountId: id })).map((e) => e.event);
    expect(events).toEqual(expect.arrayContaining(['scim.user_created', 'scim.user_deactivated', 'scim.user_reactivated']));

    expect((await scim('DELETE', `/Users/${id}`)).status).toBe(204);
    expectScimError(await scim('GET', `/Users/${id}`), 404);
    expectScimError(await scim('DELETE', `/Users/${id}`), 404);
    expect(await findAccountById(scanin.services.db, id)).toBeUndefined();
  });

  it('answers an unknown path or a method a path does not take with a SCIM error', async () => {
    expectScimError(await scim('GET', '/Bulk'), 404);
    expectScimError(await scim('PATCH', '/Users', { schemas: [PATCH], Operations: [] }), 405);
  });
});

describe('SCIM without SCIM_TOKEN', () => {
  it('does not exist', async () => {
    const scanin = await startTestScanin();
    try {
      const answer = await fetch(`${scanin.issuer}/scim/v2/Users`, { headers: { authorization: `Bearer ${TOKEN}`, accept: 'application/json' } });
      expect(answer.status).toBe(404);
    } finally {
      await scanin.close();
    }
  });
});
