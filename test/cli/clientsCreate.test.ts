// `scanin clients create` and `update` as an administrator runs them, beside a running Scanin:
// the client the command makes, checked by the engine first, signs a person in at once with
// openid-client; update changes its name, redirect URIs, access rule and roles, keeping what it
// was not given; bad input (an engine refusal, an unknown group, a malformed role, no redirect
// URI, clashing options, a client of clients.json) changes nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Authenticator } from '../../src/authenticator/authenticator.ts';
import { listAudit } from '../../src/audit/audit.ts';
import { addMember, createGroup, findGroupByName, removeMember } from '../../src/store/groups.ts';
import { findAccountByEmail } from '../../src/store/accounts.ts';
import { findRegisteredClient, listRegisteredClients } from '../../src/store/registeredClients.ts';
import { runCli } from '../helpers/cli.ts';
import { completeLogin, enrolledPhone, openLoginPage } from '../helpers/login.ts';
import { discover, redeem } from '../helpers/rp.ts';
import { PUBLIC_CLIENT, RP_REDIRECT, startTestScanin, type TestScanin } from '../helpers/scanin.ts';

describe('scanin clients create and update', () => {
  let scanin: TestScanin;
  let phone: Authenticator;
  const cli = (...args: string[]) => runCli(scanin, 'clients', ...args);

  beforeAll(async () => {
    scanin = await startTestScanin();
    phone = await enrolledPhone(scanin, 'ada@example.com', 'ada.json');
    await createGroup(scanin.services.db, scanin.services.clock(), 'Tour Guides');
  });
  afterAll(async () => {
    await scanin?.close();
  });

  it('makes a confidential client that signs a person in at once; update keeps what it is not given', async () => {
    const made = await cli('create', '--name', 'Ops Board', '--redirect-uri', RP_REDIRECT, '--redirect-uri', 'https://ops.example/cb', '--first-party', '--json');
    expect(made.code, made.stderr).toBe(0);
    expect(made.stderr).toBe('');
    const { client_id: clientId, client_secret: secret } = JSON.parse(made.stdout) as { client_id: string; client_secret: string };
    expect(secret).toMatch(/^[\w-]{43}$/);
    expect(await findRegisteredClient(scanin.services.db, clientId)).toMatchObject({ client_name: 'Ops Board', redirect_uris: [RP_REDIRECT, 'https://ops.example/cb'], first_party: true, token_endpoint_auth_method: 'client_secret_basic' });
    const board = await discover(scanin.issuer, clientId, secret);
    const login = await openLoginPage(board);
    expect((await phone.fetchLoginRequest(login.qrUrl)).client.name).toBe('Ops Board');
    await phone.answer(login.qrUrl, 'approve');
    expect((await redeem(board, await completeLogin(scanin, login), login.auth)).claims()!.email).toBe('ada@example.com');

    const updated = await cli('update', clientId, '--name', 'Ops Wall', '--allowed-group', 'Tour Guides');
    expect(updated.code, updated.stderr).toBe(0);
    expect(await findRegisteredClient(scanin.services.db, clientId)).toMatchObject({ client_name: 'Ops Wall', redirect_uris: [RP_REDIRECT, 'https://ops.example/cb'], allowed_groups: ['Tour Guides'], first_party: true, client_secret: secret });
    expect((await cli('update', clientId, '--anyone', '--third-party')).code).toBe(0);
    const after = (await findRegisteredClient(scanin.services.db, clientId))!;
    expect(after).not.toHaveProperty('allowed_groups');
    expect(after).not.toHaveProperty('first_party');

    expect((await cli('update', clientId, '--role', 'guide=Tour Guides', '--role', 'lead = Tour Guides')).code).toBe(0);
    expect(await findRegisteredClient(scanin.services.db, clientId)).toMatchObject({ roles: { guide: ['Tour Guides'], lead: ['Tour Guides'] }, client_name: 'Ops Wall' });
    // Roles not given stay; --no-roles removes them all.
    expect((await cli('update', clientId, '--name', 'Ops Desk')).code).toBe(0);
    expect(await findRegisteredClient(scanin.services.db, clientId)).toMatchObject({ roles: { guide: ['Tour Guides'], lead: ['Tour Guides'] } });
    expect((await cli('update', clientId, '--no-roles')).code).toBe(0);
    expect(await findRegisteredClient(scanin.services.db, clientId)).not.toHaveProperty('roles');
    expect((await listAudit(scanin.services.db, { clientId, event: 'admin' })).map((entry) => entry.event)).toEqual(['admin.client_created', ...Array(5).fill('admin.client_updated')]);
  });

  it('makes a public client: no secret', async () => {
    const made = await cli('create', '--name', 'Notes', '--redirect-uri', RP_REDIRECT, '--public');
    expect(made.code, made.stderr).toBe(0);
    expect(made.stdout).toContain('public client: no secret (PKCE)');
    const clientId = /^client_id\t(\S+)$/m.exec(made.stdout)![1]!;
    expect(await findRegisteredClient(scanin.services.db, clientId)).toMatchObject({ token_endpoint_auth_method: 'none' });
  });

  it('makes a client with roles that reach its ID token', async () => {
    const made = await cli('create', '--name', 'Tours', '--redirect-uri', RP_REDIRECT, '--public', '--first-party', '--role', 'guide=Tour Guides', '--json');
    expect(made.code, made.stderr).toBe(0);
    const { client_id: clientId } = JSON.parse(made.stdout) as { client_id: string };
    const { db, clock } = scanin.services;
    const guides = (await findGroupByName(db, 'Tour Guides'))!;
    await addMember(db, clock(), guides.id, (await findAccountByEmail(db, 'ada@example.com'))!.id, null);
    const tours = await discover(scanin.issuer, clientId);
    const login = await openLoginPage(tours, undefined, { scope: 'openid groups' });
    await phone.answer(login.qrUrl, 'approve');
    expect((await redeem(tours, await completeLogin(scanin, login), login.auth)).claims()).toMatchObject({ groups: ['Tour Guides'], roles: ['guide'] });
    await removeMember(db, guides.id, (await findAccountByEmail(db, 'ada@example.com'))!.id);
  });

  it('refuses what the engine or the fields would refuse, and stores nothing', async () => {
    const before = (await listRegisteredClients(scanin.services.db)).length;
    for (const [args, message] of [
      [['create', '--name', 'X', '--redirect-uri', 'https://x.example/cb#frag'], 'the engine refuses this metadata: redirect_uris must not contain fragments'],
      [['create', '--name', 'X', '--redirect-uri', 'not a url'], 'the engine refuses this metadata'],
      [['create', '--name', 'X'], 'give at least one redirect URI'],
      [['create', '--redirect-uri', RP_REDIRECT], 'the name is 1 to 100 printable characters'],
      [['create', '--name', 'X', '--redirect-uri', RP_REDIRECT, '--allowed-group', 'Nobody'], 'there is no group named “Nobody”'],
      [['update', PUBLIC_CLIENT, '--name', 'Mine'], 'change it there, then restart Scanin'],
      [['update', 'nobody', '--name', 'Mine'], 'no client "nobody"'],
      [['update', 'nobody', '--anyone', '--allowed-group', 'Tour Guides'], 'not both'],
      [['update', 'nobody', '--no-roles', '--role', 'guide=Tour Guides'], 'not both'],
      [['create', '--name', 'X', '--redirect-uri', RP_REDIRECT, '--role', 'guide'], 'has no “=”'],
      [['create', '--name', 'X', '--redirect-uri', RP_REDIRECT, '--role', 'guide=Nobody'], 'there is no group named “Nobody”'],
      [['create', '--name', 'X', '--redirect-uri', RP_REDIRECT, '--role', 'guide=Tour Guides', '--role', 'guide=Tour Guides'], 'given twice'],
    ] as const) {
      const refused = await cli(...args);
      expect(refused.code, `${args.join(' ')}: ${refused.stdout}`).toBe(1);
      expect(refused.stderr).toContain(message);
    }
    expect((await listRegisteredClients(scanin.services.db)).length).toBe(before);
  });
});
