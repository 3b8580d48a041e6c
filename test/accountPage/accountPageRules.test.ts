// The account page's pure rules: how times read, where a sign-in may come back to, and that a
// clients.json client cannot take the account page's client id.
import { describe, expect, it } from 'vitest';
import { ACCOUNT_CLIENT_ID, withAccountPageClient } from '../../src/accountPage/accountClient.ts';
import { safeReturnPath } from '../../src/accountPage/accountLogin.ts';
import { when } from '../../src/accountPage/accountView.ts';
import { ClientsFileError } from '../../src/oidc/clients.ts';

describe('account page rules', () => {
  const now = Date.UTC(2026, 11, 3, 12, 0, 0) / 1000;

  it('says how long ago in words for two weeks, then the date and time saying UTC; exact UTC alongside', () => {
    expect(when(now - 5, now).text).toBe('just now');
    expect(when(now - 60, now).text).toBe('1 minute ago');
    expect(when(now - 2 * 3600 - 5, now).text).toBe('2 hours ago');
    expect(when(now - 86400, now).text).toBe('1 day ago');
    expect(when(now - 13 * 86400, now).text).toBe('13 days ago');
    expect(when(now - 14 * 86400, now)).toEqual({ text: '19 Nov 2026, 12:00 UTC', iso: '2026-11-19T12:00:00Z', exact: '2026-11-19 12:00 UTC', relative: false });
    expect(when(now - 3600, now).relative).toBe(true);
    expect(when(now + 3600, now)).toEqual({ text: '2026-12-03 13:00 UTC', iso: '2026-12-03T13:00:00Z', exact: '2026-12-03 13:00 UTC', relative: false });
  });

  it('comes back only to /account, /admin and the pages under them', () => {
    for (const path of ['/account', '/account/add-device', '/account/recovery/codes', '/admin', '/admin/users/Ab-c_9', '/admin/groups#members']) expect(safeReturnPath(path)).toBe(path);
    for (const path of [undefined, '', '/', '/app', '//evil.example', '/adminx', '/admin/../account', '/admin?q=x', 'https://evil.example/account', '/account/../app', '/account/./x', '/accountx', '/account/', '/account?x=1', '/account\\evil', ['/account/x'], `/account/${'x'.repeat(200)}`]) {
      expect(safeReturnPath(path), JSON.stringify(path)).toBe('/account');
    }
  });

  it('registers the account page client beside the file\'s, and refuses a file client with its id', () => {
    const clients = withAccountPageClient('clients.json', [{ client_id: 'app' }], 'https://id.example.com/sso');
    expect(clients.map((client) => client.client_id)).toEqual(['app', ACCOUNT_CLIENT_ID]);
    expect(clients[1]).toMatchObject({ token_endpoint_auth_method: 'none', redirect_uris: ['https://id.example.com/sso/account/callback'], first_party: true });
    expect(() => withAccountPageClient('clients.json', [{ client_id: ACCOUNT_CLIENT_ID }], 'https://id.example.com')).toThrow(ClientsFileError);
    expect(() => withAccountPageClient('clients.json', [{ client_id: ACCOUNT_CLIENT_ID }], 'https://id.example.com')).toThrow(/Scanin's own/);
  });
});
