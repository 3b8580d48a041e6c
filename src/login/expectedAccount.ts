// Which account a browser's sign-in expects, so that a device of any other account cannot answer
// it (403 wrong_account; docs/protocol.md §7 "Which account answers"; SECURITY.md, login
// swapping). In this order:
//   1. login_hint: the app named the account by its email. Nothing on the page lifts it.
//   2. session: the engine's session cookie still names an account (a re-authentication asked
//      with prompt=login, max_age, or a stronger acr).
//   3. remembered: the account last signed in on this browser (rememberedAccount.ts).
// 2 and 3 are the browser's own memory: the page says "Continue as Ann" and the person may
// choose "Use another account", which lifts them for this sign-in. A disabled or deleted account
// is expected by no browser.
import type { Context } from 'koa';
import type { Services } from '../services.ts';
import { findAccountByEmail, findAccountById, normalizeEmail, type Account } from '../store/accounts.ts';
import type { Db } from '../store/db.ts';
import type { LoginRequest } from '../store/loginRequests.ts';
import { anyAccountChosen, rememberedAccountId } from '../store/rememberedBrowsers.ts';
import type { Interaction } from './interaction.ts';
import { rememberedToken } from './rememberedAccount.ts';

export type ExpectedFrom = 'login_hint' | 'session' | 'remembered';
export type ExpectedAccount = { account: Account; from: ExpectedFrom };

/** Whether "Use another account" lifts an expectation of this origin. */
export function liftable(from: string | null | undefined): boolean {
  return from === 'session' || from === 'remembered';
}

async function usable(db: Db, accountId: string | undefined): Promise<Account | undefined> {
  const account = accountId ? await findAccountById(db, accountId) : undefined;
  return account && account.disabled_at === null ? account : undefined;
}

export async function expectedAccount(ctx: Context, services: Services, interaction: Interaction): Promise<ExpectedAccount | null> {
  const { db } = services;
  const hint = typeof interaction.params.login_hint === 'string' ? normalizeEmail(interaction.params.login_hint) : null;
  const hinted = hint ? await findAccountByEmail(db, hint) : undefined;
  if (hinted) return { account: hinted, from: 'login_hint' };
  // A browser with no memory of an account (the usual first visit) has nothing to lift.
  const sessionAccountId = interaction.session?.accountId;
  const token = rememberedToken(ctx);
  if (!sessionAccountId && !token) return null;
  if (await anyAccountChosen(db, interaction.uid)) return null;
  const signedIn = await usable(db, sessionAccountId);
  if (signedIn) return { account: signedIn, from: 'session' };
  const remembered = token ? await usable(db, await rememberedAccountId(db, token, services.clock())) : undefined;
  return remembered ? { account: remembered, from: 'remembered' } : null;
}

/**
 * The account whose devices alone may answer `request` now: the one it was made for, unless that
 * came from the browser's memory and the person has since chosen "Use another account". Checked
 * when a device reads or answers, so a choice made while a code is shown holds at once.
 */
export async function expectedAccountNow(db: Db, request: Pick<LoginRequest, 'uid' | 'expected_account_id' | 'expected_from'>): Promise<string | null> {
  if (request.expected_account_id === null) return null;
  if (liftable(request.expected_from) && (await anyAccountChosen(db, request.uid))) return null;
  return request.expected_account_id;
}
