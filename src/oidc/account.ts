// The bridge from oidc-provider to Scanin's accounts: which claims a `sub` has. A disabled
// account is no account to the engine: userinfo and the token endpoint refuse its tokens.
import type { Account as OidcAccount, KoaContextWithOIDC } from 'oidc-provider';
import { findAccountById, type Account } from '../store/accounts.ts';
import type { Clock } from '../clock.ts';
import type { Db } from '../store/db.ts';
import { groupsOf } from '../store/groups.ts';

const claimsOf = (account: Account) => ({ sub: account.id, email: account.email, email_verified: account.email_verified, name: account.name, preferred_username: account.email });

/** clients.json `roles`: role name → the groups that give it (oidc/clients.ts). */
type RoleMap = Record<string, string[]>;

/**
 * The claims of `account` for this token, with `groups` and this client's `roles` only when the
 * `groups` scope was granted: the one query they cost (store/groups.ts) is not paid otherwise.
 */
function claimsFor(db: Db, clock: Clock, ctx: KoaContextWithOIDC, account: Account) {
  return async (_use: string, scope: string) => {
    const base = claimsOf(account);
    if (!scope.split(' ').includes('groups')) return base;
    const groups = await groupsOf(db, account.id, clock());
    const map = ((ctx.oidc?.client as unknown as { roles?: RoleMap } | undefined)?.roles) ?? {};
    const roles = Object.keys(map).filter((role) => map[role]!.some((group) => groups.includes(group))).sort();
    return { ...base, groups, roles };
  };
}

/**
 * The resume of a login a device has just approved, for that login's account. Its account is not
 * read there: no claims are asked for in that request (ID tokens come from the token endpoint),
 * and whether the account and the device may still sign in is checked once the session is
 * stored (sessionOrigin.ts), the one check no revocation slips past.
 */
function isApprovedLogin(ctx: KoaContextWithOIDC, sub: string): boolean {
  const login = ctx.oidc?.result?.login as { accountId?: unknown; device_id?: unknown } | undefined;
  return login?.accountId === sub && typeof login.device_id === 'string';
}

/** Accounts read in the same statement as what a request redeems (adapter.ts), by request; null: gone. */
const readWithRedeemed = new WeakMap<object, Map<string, Account | null>>();

/**
 * The account of a code or token the token endpoint is redeeming, read with it (a join): the
 * endpoint asks for that account next, and need not read it again. As fresh as a read of its own.
 */
export function rememberAccountRead(request: object, id: string, account: Account | undefined): void {
  const read = readWithRedeemed.get(request) ?? new Map<string, Account | null>();
  readWithRedeemed.set(request, read.set(id, account ?? null));
}

export function accountFinder(db: Db, clock: Clock) {
  return async (ctx: KoaContextWithOIDC, sub: string): Promise<OidcAccount | undefined> => {
    if (isApprovedLogin(ctx, sub)) {
      return {
        accountId: sub,
        async claims(use: string, scope: string) {
          const account = await findAccountById(db, sub);
          return account ? claimsFor(db, clock, ctx, account)(use, scope) : { sub };
        },
      };
    }
    const readEarlier = readWithRedeemed.get(ctx)?.get(sub);
    const account = readEarlier === undefined ? await findAccountById(db, sub) : readEarlier;
    if (!account || account.disabled_at !== null) return undefined;
    return { accountId: account.id, claims: claimsFor(db, clock, ctx, account) };
  };
}
