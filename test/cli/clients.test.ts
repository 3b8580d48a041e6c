// `scanin clients` as an administrator runs it, against a running Scanin with clients from
// clients.json and from dynamic registration: list and show without secrets; rotate-secret
// gives a registered client a new secret that works at once while the old one is refused;
// delete ends its use; a client of clients.json, an unknown one or a public one is refused with
// a message, changing nothing. Audited as admin.client_secret_rotated and admin.client_deleted.
import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listAudit } from '../../src/audit/audit.ts';
import { runCli } from '../helpers/cli.ts';
import { PUBLIC_CLIENT, startTestScanin, THIRD_PARTY_CLIENT, THIRD_PARTY_SECRET, type TestScanin } from '../helpers/scanin.ts';

const REGISTRATION_TOKEN = 'registration-token-that-is-long-enough-0123456789';

describe('scanin clients', () => {
  let scanin: TestScanin;
  let service: { client_id: string; client_secret: string };
  let spa: { client_id: string };

  const register = async (body: Record<string, unknown>) => {
    const answer = await fetch(`${scanin.issuer}/reg`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${REGISTRATION_TOKEN}` }, body: JSON.stringify(body) });
    expect(answer.status).toBe(201);
    return (await answer.json()) as { client_id: string; client_secret: string };
  };
  const tokenWith = async (secret: string) => {
    const config = await oidc.discovery(new URL(scanin.issuer), service.client_id, undefined, oidc.ClientSecretBasic(secret), { execute: [oidc.allowInsecureRequests] });
    return oidc.clientCredentialsGrant(config, {});
  };
  const cli = (...args: string[]) => runCli(scanin, 'clients', ...args);

  beforeAll(async () => {
    scanin = await startTestScanin({ env: { REGISTRATION_TOKEN } });
    service = await register({ client_name: 'Nightly Sync', grant_types: ['client_credentials'], response_types: [] });
    spa = await register({ client_name: 'Notes SPA', redirect_uris: ['https://notes.example/cb'], token_endpoint_auth_method: 'none' });
  });
  afterAll(async () => {
    await scanin?.close();
  });

  it('lists the clients of clients.json and the registered ones, never a secret', async () => {
    const listed = await cli('list', '--json');
    expect(listed.code, listed.stderr).toBe(0);
    const rows = JSON.parse(listed.stdout) as Array<Record<string, unknown>>;
    expect(rows.map((row) => [row.client_id, row.source, row.type])).toEqual([
      [PUBLIC_CLIENT, 'clients.json', 'public'],
      [THIRD_PARTY_CLIENT, 'clients.json', 'confidential'],
      ...[[service.client_id, 'registered', 'confidential'], [spa.client_id, 'registered', 'public']].sort((a, b) => (a[0]! < b[0]! ? -1 : 1)),
    ]);
    expect(listed.stdout).not.toContain(THIRD_PARTY_SECRET);
    expect(listed.stdout).not.toContain(service.client_secret);
    const shown = await cli('show', service.client_id, '--json');
    expect(JSON.parse(shown.stdout)).toMatchObject({ client_id: service.client_id, client_name: 'Nightly Sync', grant_types: ['client_credentials'], client_secret: 'set (not shown)' });
    expect((await cli('list')).stdout).toContain(`${THIRD_PARTY_CLIENT}\tThird Party App\tclients.json\tconfidential`);
  });

  it('rotates a registered client\'s secret: the new one works at once, the old one is refused', async () => {
    expect((await tokenWith(service.client_secret)).access_token).toBeTruthy();
    const rotated = await cli('rotate-secret', service.client_id);
    expect(rotated.code, rotated.stderr).toBe(0);
    const secret = rotated.stdout.trim().split('\n').at(-1)!;
    expect(secret).toMatch(/^[\w-]{43}$/);
    await expect(tokenWith(service.client_secret)).rejects.toMatchObject({ status: 401 });
    expect((await tokenWith(secret)).access_token).toBeTruthy();
    service.client_secret = secret;
    expect((await listAudit(scanin.services.db)).at(-1)).toMatchObject({ event: 'admin.client_secret_rotated', client_id: service.client_id });
  });

  it('refuses a client of clients.json, an unknown one and a public one, changing nothing', async () => {
    for (const [args, message] of [
      [['rotate-secret', THIRD_PARTY_CLIENT], 'is in '],
      [['delete', PUBLIC_CLIENT], 'change it there, then restart Scanin'],
      [['rotate-secret', 'nobody'], 'no client "nobody"'],
      [['show', 'nobody'], 'no client "nobody"'],
      [['rotate-secret', spa.client_id], 'is a public client: it has no secret'],
    ] as const) {
      const refused = await cli(...args);
      expect(refused.code, refused.stdout).toBe(1);
      expect(refused.stderr).toContain(message);
    }
    expect((await tokenWith(service.client_secret)).access_token).toBeTruthy();
    expect(JSON.parse((await cli('list', '--json')).stdout)).toHaveLength(4);
  });

  it('deletes a registered client: its secret no longer gets a token, and it is gone from the list', async () => {
    const deleted = await cli('delete', service.client_id);
    expect(deleted.code, deleted.stderr).toBe(0);
    await expect(tokenWith(service.client_secret)).rejects.toMatchObject({ status: 401 });
    expect((await cli('list')).stdout).not.toContain(service.client_id);
    expect((await listAudit(scanin.services.db)).at(-1)).toMatchObject({ event: 'admin.client_deleted', client_id: service.client_id });
    expect((await cli('delete', service.client_id)).code).toBe(1);
  });
});
