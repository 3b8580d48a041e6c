// The bridge from oidc-provider to Scanin's accounts: which claims a `sub` has. A disabled
// account is no account to the engine: userinfo and the token endpoint refuse its tokens; so is
// one no longer in a group the token's client requires (accessRules.ts).
import type { Account as OidcAccount, KoaContextWithOIDC } from 'oidc-provider';
import { findAccountById, type Account } from '../store/accounts.ts';
import type { Clock } from '../clock.ts';
import type { Db } from '../store/db.ts';
import { groupsInRequest, mayUseClient, rolesOf, type RoleMap } from './accessRules.ts';

const claimsOf = (account: Account) => ({ sub: account.id, email: account.email, email_verified: account.email_verified, name: account.name, preferred_username: account.email });

/**
 * The claims of `account` for this token, with `groups` and this client's `roles` only when the
 * `groups` scope was granted: the one query they cost (store/groups.ts) is not paid otherwise.
 */
function claimsFor(db: Db, clock: Clock, ctx: KoaContextWithOIDC, account: Account) {
  return async (_use: string, scope: string) => {
    const base = claimsOf(account);
    if (!scope.split(' ').includes('groups')) return base;
    const groups = await groupsInRequest(db, clock, ctx, account.id);
    const roles = rolesOf((ctx.oidc?.client as unknown as { roles?: RoleMap } | undefined)?.roles, groups);
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

/**
 * Where a token is used or redeemed (codes, refresh tokens, device codes, CIBA), and so where
 * someone removed from a client's groups since their sign-in is refused. The authorization
 * routes load the session's account for the login prompt, whose own check shows the refusal page.
 */
const REDEEMING_ROUTES = new Set(['token', 'userinfo']);

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
    if (REDEEMING_ROUTES.has(ctx.oidc.route) && !(await mayUseClient(db, clock, ctx, account.id))) return undefined;
    return { accountId: account.id, claims: claimsFor(db, clock, ctx, account) };
  };
}
