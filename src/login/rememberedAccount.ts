// "Continue as Ann": the account last signed in on this browser, remembered by a cookie that
// outlives logout, so the next sign-in here expects that account (SECURITY.md, login swapping).
// The cookie holds 256 random bits and nothing else: it names no one, to other sites or to
// anyone who copies it, and it grants nothing: it only narrows which account's phone may answer.
// httpOnly (no script reads it), SameSite=Lax (no other site's request carries it), Secure over
// https. Each sign-in replaces it with a new token; the database keeps only the token's hash.
import type { Context } from 'koa';
import { newChallenge } from '../ids.ts';
import type { Services } from '../services.ts';
import { forgetBrowser, rememberBrowser } from '../store/rememberedBrowsers.ts';

export const REMEMBER_COOKIE = 'scanin_account';
const TOKEN = /^[A-Za-z0-9_-]{43}$/;

function cookiePath(services: Services): string {
  return services.basePath || '/';
}

/** The token this browser's cookie holds, if it is one Scanin could have made. */
export function rememberedToken(ctx: Context): string | undefined {
  const value = ctx.cookies.get(REMEMBER_COOKIE);
  return value && TOKEN.test(value) ? value : undefined;
}

function clearCookie(ctx: Context, services: Services): void {
  ctx.cookies.set(REMEMBER_COOKIE, null, { path: cookiePath(services), httpOnly: true, sameSite: 'lax', secure: ctx.secure });
}

/** At a completed sign-in: this browser now remembers `accountId` (a new token; the old one is forgotten). */
export async function rememberAccount(ctx: Context, services: Services, accountId: string): Promise<void> {
  const old = rememberedToken(ctx);
  const days = services.config.rememberAccountDays;
  if (days === 0) {
    if (old) await forgetBrowser(services.db, old);
    if (ctx.cookies.get(REMEMBER_COOKIE) !== undefined) clearCookie(ctx, services);
    return;
  }
  const token = newChallenge();
  const now = services.clock();
  // An account deleted or disabled since its phone approved is not remembered (and the sign-in
  // itself is refused as the engine stores its session: oidc/sessionOrigin.ts).
  if (!(await rememberBrowser(services.db, token, accountId, now, now + days * 86400, old))) return;
  ctx.cookies.set(REMEMBER_COOKIE, token, {
    path: cookiePath(services),
    maxAge: days * 86400 * 1000,
    httpOnly: true,
    sameSite: 'lax',
    secure: ctx.secure,
    overwrite: true,
  });
}

/** "Forget this account": the browser's memory goes, in the database and in the browser. */
export async function forgetRememberedAccount(ctx: Context, services: Services): Promise<void> {
  const token = rememberedToken(ctx);
  if (token) await forgetBrowser(services.db, token);
  if (ctx.cookies.get(REMEMBER_COOKIE) !== undefined) clearCookie(ctx, services);
}
