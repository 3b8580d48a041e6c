// The bridge from oidc-provider to Scanin's accounts: which claims a `sub` has. A disabled
// account is no account to the engine: userinfo and the token endpoint refuse its tokens.
import type { Account as OidcAccount, KoaContextWithOIDC } from 'oidc-provider';
import { findAccountById } from '../store/accounts.ts';
import type { Db } from '../store/db.ts';

export function accountFinder(db: Db) {
  return async (_ctx: KoaContextWithOIDC, sub: string): Promise<OidcAccount | undefined> => {
    const account = await findAccountById(db, sub);
    if (!account || account.disabled_at !== null) return undefined;
    return {
      accountId: account.id,
      async claims() {
        return { sub: account.id, email: account.email, email_verified: account.email_verified, name: account.name, preferred_username: account.email };
      },
    };
  };
}
