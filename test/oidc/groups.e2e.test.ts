// Groups and roles as relying parties read them, through openid-client: with the `groups` scope
// the ID token and userinfo carry `groups` (parents included, expired memberships not) and
// `roles`, the roles this client's clients.json `roles` maps from those groups; another client's
// roles never appear, and without the scope there are neither. An API that accepts the `groups`
// scope gets them in its JWT access tokens, with its own roles (RFC 9068 §2.2.3.1); one that
// does not, gets neither.
import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Authenticator } from '../../src/authenticator/authenticator.ts';
import { findAccountByEmail } from '../../src/store/accounts.ts';
import { addMember, createGroup } from '../../src/store/groups.ts';
import { completeLogin, enrolledPhone, openLoginPage } from '../helpers/login.ts';
import { discover, redeem } from '../helpers/rp.ts';
import { RP_REDIRECT, startTestScanin, TEST_CLIENTS, type TestScanin } from '../helpers/scanin.ts';

const WIKI = 'wiki';
const SHOP = 'shop';
const API = 'https://wiki-api.example.com/';
const STATS = 'https://stats.example.com/';

describe('groups and roles in tokens', () => {
  let scanin: TestScanin;
  let phone: Authenticator;

  beforeAll(async () => {
    scanin = await startTestScanin({
      clients: [
        ...TEST_CLIENTS,
        { client_id: WIKI, client_name: 'Team Wiki', first_party: true, token_endpoint_auth_method: 'none', redirect_uris: [RP_REDIRECT], roles: { admin: ['wiki-admins'], editor: ['engineering', 'writers'], viewer: ['contractors'] } },
        { client_id: 'wiki-api', client_name: 'Wiki API', client_secret: 'the-wiki-api-secret-is-long-enough-0123456', grant_types: ['client_credentials'], resource_server: API, scope: 'groups pages:read', roles: { reader: ['engineering'], auditor: ['auditors'] } },
        { client_id: 'stats-api', client_name: 'Stats API', client_secret: 'the-stats-api-secret-is-long-enough-012345', grant_types: ['client_credentials'], resource_server: STATS, scope: 'stats:read' },
        { client_id: SHOP, client_name: 'Shop', first_party: true, token_endpoint_auth_method: 'none', redirect_uris: [RP_REDIRECT], roles: { buyer: ['engineering'] } },
      ],
    });
    phone = await enrolledPhone(scanin, 'gita@example.com');
    const { db, clock } = scanin.services;
    const gita = (await findAccountByEmail(db, 'gita@example.com'))!;
    await createGroup(db, clock(), 'engineering');
    const backend = await createGroup(db, clock(), 'backend', 'engineering');
    const admins = await createGroup(db, clock(), 'wiki-admins');
    const contractors = await createGroup(db, clock(), 'contractors');
    await addMember(db, clock(), backend.id, gita.id, null);
    await addMember(db, clock(), admins.id, gita.id, clock() + 3600);
    // Ended a second ago, as a time-boxed membership does.
    await addMember(db, clock() - 100, contractors.id, gita.id, clock() - 99);
  });
  afterAll(async () => {
    await scanin?.close();
  });

  async function tokensFor(clientId: string, params: Record<string, string>) {
    const config = await discover(scanin.issuer, clientId);
    const login = await openLoginPage(config, undefined, params);
    await phone.answer(login.qrUrl, 'approve');
    return { config, tokens: await redeem(config, await completeLogin(scanin, login), login.auth) };
  }

  async function signIn(clientId: string, scope: string) {
    const { config, tokens } = await tokensFor(clientId, { scope });
    return { claims: tokens.claims()!, userinfo: await oidc.fetchUserInfo(config, tokens.access_token, tokens.claims()!.sub) };
  }

  /** The payload of a JWT access token, its signature checked by the engine's own test (transactionApproval.e2e). */
  const payloadOf = (jwt: string) => JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString()) as Record<string, unknown>;

  it("puts groups and the API's own roles in the JWT access token of an API that accepts the groups scope", async () => {
    const { tokens } = await tokensFor(WIKI, { scope: 'openid groups pages:read', resource: API });
    expect(payloadOf(tokens.access_token)).toMatchObject({ aud: API, scope: 'groups pages:read', groups: ['backend', 'engineering', 'wiki-admins'], roles: ['reader'] });
    // The ID token keeps the app's own roles.
    expect(tokens.claims()!.roles).toEqual(['admin', 'editor']);
  });

  it('gives an API that does not accept the groups scope neither groups nor roles', async () => {
    const { tokens } = await tokensFor(WIKI, { scope: 'openid groups stats:read', resource: STATS });
    const payload = payloadOf(tokens.access_token);
    expect(payload).toMatchObject({ aud: STATS, scope: 'stats:read' });
    expect(payload).not.toHaveProperty('groups');
    expect(payload).not.toHaveProperty('roles');
  });

  it('puts groups, parents included and the expired one left out, and this client\'s roles in the ID token and userinfo', async () => {
    const { claims, userinfo } = await signIn(WIKI, 'openid email groups');
    expect({ groups: claims.groups, roles: claims.roles }).toEqual({ groups: ['backend', 'engineering', 'wiki-admins'], roles: ['admin', 'editor'] });
    expect({ groups: userinfo.groups, roles: userinfo.roles }).toEqual({ groups: ['backend', 'engineering', 'wiki-admins'], roles: ['admin', 'editor'] });
  });

  it("gives another client its own roles only", async () => {
    const { claims } = await signIn(SHOP, 'openid groups');
    expect(claims.roles).toEqual(['buyer']);
  });

  it('without the groups scope, there are neither groups nor roles', async () => {
    const { claims, userinfo } = await signIn(WIKI, 'openid email');
    expect(claims).not.toHaveProperty('groups');
    expect(claims).not.toHaveProperty('roles');
    expect(userinfo).not.toHaveProperty('groups');
  });

  it('lists groups in discovery', async () => {
    const discovery = (await (await fetch(`${scanin.issuer}/.well-known/openid-configuration`)).json()) as { scopes_supported: string[]; claims_supported: string[] };
    expect(discovery.scopes_supported).toContain('groups');
    expect(discovery.claims_supported).toEqual(expect.arrayContaining(['groups', 'roles']));
  });
});
