// Entering the admin console as an administrator does: /admin in a signed-out browser, the QR
// sign-in, the phone approves, back to the console. Plus what the tests of the console share.
import type { Authenticator } from '../../src/authenticator/authenticator.ts';
import { grantAdmin } from '../../src/store/admins.ts';
import { findAccountByEmail, type Account } from '../../src/store/accounts.ts';
import { finishSignIn, openAccountSignIn } from '../accountPage/accountBrowser.ts';
import { TestBrowser, type Page } from '../helpers/browser.ts';
import type { TestScanin } from '../helpers/scanin.ts';

/** The account of `email`, made an administrator (as `scanin admins grant` does). */
export async function makeAdmin(scanin: TestScanin, email: string): Promise<Account> {
  const account = await findAccountByEmail(scanin.services.db, email);
  if (!account) throw new Error(`no account ${email}`);
  await grantAdmin(scanin.services.db, account.id, scanin.services.clock(), 'cli');
  return account;
}

/** A browser that opened `path` (under /admin) signed out and signed in with `phone`: the page it came back to. */
export async function enterAdmin(scanin: TestScanin, phone: Authenticator, path = '/admin', browser = new TestBrowser()): Promise<{ browser: TestBrowser; page: Page }> {
  const step = await openAccountSignIn(scanin, browser, path);
  await phone.answer(step.qrUrl, 'approve');
  return { browser, page: await finishSignIn(scanin, step) };
}
