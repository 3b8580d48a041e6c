// The account page signs people in like any application does: through the engine's /auth, so
// they get the same QR page, number matching and audit as every login. It is an application of
// Scanin's own: registered by the server itself (never in clients.json), public (nothing to keep
// secret: the code never leaves Scanin), PKCE-bound, first-party (no consent screen), with one
// redirect URI, the page's own callback, where the code is consumed in-process (accountLogin.ts).
import type { ClientMetadata } from 'oidc-provider';
import { ClientsFileError } from '../oidc/clients.ts';

export const ACCOUNT_CLIENT_ID = 'scanin-account';

/** Where the engine sends the account page's sign-in back to. */
export function accountCallbackUrl(issuer: string): string {
  return `${issuer}/account/callback`;
}

/** The account page's client metadata, for the engine. */
export function accountPageClient(issuer: string): ClientMetadata {
  return {
    client_id: ACCOUNT_CLIENT_ID,
    client_name: 'your Scanin account',
    token_endpoint_auth_method: 'none',
    grant_types: ['authorization_code'],
    response_types: ['code'],
    redirect_uris: [accountCallbackUrl(issuer)],
    first_party: true,
  };
}

/** The clients of `clientsFile` plus the account page's; a file client may not take its id. */
export function withAccountPageClient(clientsFile: string, clients: ClientMetadata[], issuer: string): ClientMetadata[] {
  if (clients.some((client) => client.client_id === ACCOUNT_CLIENT_ID)) {
    throw new ClientsFileError(clientsFile, `client "${ACCOUNT_CLIENT_ID}": this client_id is Scanin's own (the account page); give the client another id`);
  }
  return [...clients, accountPageClient(issuer)];
}
