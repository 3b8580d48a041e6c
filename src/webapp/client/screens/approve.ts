// Approve or deny a login (docs/protocol.md §7–8): who is asking, from which browser, address and
// place, how long ago it was requested and how long it has left (both on the server's clock); Deny as prominent as Approve; with
// number matching, the three numbers instead of one Approve button (tapping one approves); a
// transaction the app asks to have approved (§19) first, in the app's words; the app lock
// (screens/lock.ts) before an approval is signed.
import type { ScaninUrl } from '../../../protocol/urls.ts';
import { listAccounts, removeAccount, saveAccount, type Account } from '../accountStore.ts';
import { ApiError, answerLoginRequest, readLoginRequest, readLoginRequestHint, type LoginRequest } from '../deviceApi.ts';
import { sha256 } from '../deviceKeys.ts';
import { h, hostOf, show } from '../dom.ts';
import { describeError } from '../messages.ts';
import { numberShownHere, returnToSignInPage } from '../sameBrowser.ts';
import { describeUserAgent } from '../userAgent.ts';
import { readTransactions } from '../../../protocol/transactions.ts';
import { readLock } from '../appLock.ts';
import { verifyUser } from './lock.ts';
import { resultScreen } from './result.ts';

let ticker: number | undefined;

/** Called on every screen change: the clock of this screen stops with it. */
export function stopTicking(): void {
  clearInterval(ticker);
}

const nowSeconds = () => Math.floor(Date.now() / 1000);

function ago(seconds: number): string {
  if (seconds < 2) return 'just now';
  if (seconds < 90) return `${seconds} s ago`;
  return `${Math.round(seconds / 60)} min ago`;
}

async function answer(request: LoginRequest, account: Account, decision: 'approve' | 'deny', num?: string): Promise<void> {
  stopTicking();
  // The app lock before an approval, never before a denial: denying only takes away.
  const verification = decision === 'approve' ? await verifyUser(`Unlock to approve the sign-in to ${request.client.name}.`) : 'no_lock';
  // Not unlocked: the request is still open, and the person may try again or deny.
  if (verification === 'not_verified') return showRequest(request, account);
  show(h('h1', {}, decision === 'approve' ? 'Approving…' : 'Denying…'));
  try {
    const { status, accessDenied } = await answerLoginRequest(request, account, decision, num, typeof verification === 'object' ? verification : undefined);
    // Enrolled as waiting for confirmation, and the server has taken its answer: it is active now.
    if (account.status !== 'active') await saveAccount({ ...account, status: 'active' });
    const back = returnToSignInPage(request.rid);
    if (accessDenied) resultScreen({ title: 'No access', text: `You don't have access to ${request.client.name} — ask your administrator.` }, 'error');
    else resultScreen(status === 'approved'
      ? { title: 'Approved', text: back ? `Back to the sign-in to ${request.client.name}…` : `You are signing in to ${request.client.name}. Look at your browser.` }
      : { title: 'Denied', text: `The sign-in to ${request.client.name} was refused.` }, status === 'approved' ? 'ok' : 'error');
  } catch (error) {
    // A revoked key is of no more use: delete it, as §9 asks.
    if (error instanceof ApiError && error.error === 'device_revoked') await removeAccount(account.deviceId);
    resultScreen(describeError(error, 'login'), 'error');
  }
}

/** The user says which of several accounts signs in: never picked silently (§7, "Which account answers"). */
function pickAccount(request: LoginRequest, accounts: Account[]): void {
  show(
    h('h1', {}, 'Which account?'),
    h('p', {}, `This phone has several accounts at ${hostOf(request.issuer)}. Sign in to ${request.client.name} as:`),
    h('div', { class: 'actions' }, ...accounts.map((account) => h('button', { type: 'button', class: 'pick', onclick: () => showRequest(request, account) }, `${account.name} (${account.email})`))),
    h('a', { class: 'button', href: '#/' }, 'Cancel'),
  );
}

const namedBy = async (hint: string, rid: string, account: Account) => (await sha256(`${rid}.${account.sub}`)) === hint;

/**
 * The choice rule of docs/protocol.md §7: a sign-in from an account's inbox is that account's;
 * with `account_hint`, only a key whose base64url(SHA-256(rid "." sub)) equals it may answer;
 * without, one account answers by itself and several are the user's choice.
 */
async function chooseAccount(request: LoginRequest, candidates: Account[], inboxAccount: Account | undefined): Promise<Account | Account[] | null> {
  if (request.account_hint !== undefined) {
    // The inbox's account first: the server named it, and the hint must agree.
    for (const account of inboxAccount ? [inboxAccount, ...candidates] : candidates) {
      if (await namedBy(request.account_hint, request.rid, account)) return account;
    }
    return null;
  }
  if (inboxAccount) return inboxAccount;
  return new Set(candidates.map((account) => account.sub)).size === 1 ? candidates[0]! : candidates;
}

/** The server cannot use this key any more; another account's key may still read. */
const KEY_GONE = new Set(['device_revoked', 'unknown_device', 'device_pending', 'account_disabled']);

/**
 * The signed read (§7), with the key of the account the request is for when that is known (the
 * inbox's account, or the one an unsigned read's account_hint names), so that the scan is that
 * account's; a key the server no longer takes gives way to the next one (a revoked one is
 * deleted, as §9 asks).
 */
async function readWithBestKey(url: ScaninUrl, candidates: Account[], inboxAccount: Account | undefined): Promise<LoginRequest> {
  let order = inboxAccount ? [inboxAccount, ...candidates.filter((account) => account !== inboxAccount)] : candidates;
  if (!inboxAccount && new Set(candidates.map((account) => account.sub)).size > 1) {
    const hint = await readLoginRequestHint(url);
    if (hint !== undefined) {
      const named: Account[] = [];
      for (const account of candidates) if (await namedBy(hint, url.id, account)) named.push(account);
      order = [...named, ...candidates.filter((account) => !named.includes(account))];
    }
  }
  let lastError: unknown;
  for (const account of order) {
    try {
      return await readLoginRequest(url, account);
    } catch (error) {
      if (!(error instanceof ApiError && KEY_GONE.has(error.error))) throw error;
      if (error.error === 'device_revoked') await removeAccount(account.deviceId);
      lastError = error;
    }
  }
  throw lastError;
}

export async function approveScreen(url: ScaninUrl, inboxDeviceId?: string): Promise<void> {
  // A device waiting for confirmation is offered too: the server, not this phone, knows whether it was confirmed since.
  const candidates = (await listAccounts()).filter((account) => account.issuer === url.issuer);
  if (candidates.length === 0) {
    return resultScreen({ title: 'No account here for this server', text: `This phone has no account at ${hostOf(url.issuer)}. Enroll it first with an invite.` }, 'error');
  }
  const inboxAccount = candidates.find((account) => account.deviceId === inboxDeviceId);
  show(h('h1', {}, 'Reading the sign-in…'));
  let request: LoginRequest;
  try {
    request = await readWithBestKey(url, candidates, inboxAccount);
  } catch (error) {
    return resultScreen(describeError(error, 'login'), 'error');
  }
  // A key deleted while reading is no candidate any more.
  const remaining = (await listAccounts()).filter((account) => account.issuer === url.issuer);
  const chosen = await chooseAccount(request, remaining, remaining.find((account) => account.deviceId === inboxDeviceId));
  if (chosen === null) {
    return resultScreen({ title: 'This sign-in is for another account', text: `None of this phone’s accounts at ${hostOf(url.issuer)} is the one the browser is signing in to. If the browser says “Continue as” someone else and this is your sign-in, choose “Use another account” there and scan again.` }, 'error');
  }
  if (Array.isArray(chosen)) return pickAccount(request, chosen);
  return showRequest(request, chosen);
}

/**
 * What the app asks the person to approve beyond signing in (§19), each description as the app
 * wrote it; null for a plain sign-in. Details this phone cannot read leave only Deny.
 */
function transactionBlock(request: LoginRequest): { block: HTMLElement | null; approvable: boolean } {
  if (request.authorization_details === undefined) return { block: null, approvable: true };
  const transactions = readTransactions(request.authorization_details);
  if (typeof transactions === 'string') {
    return { block: h('p', { class: 'warning', id: 'transaction', role: 'alert' }, `${request.client.name} asks you to approve something this app cannot show (${transactions}). Deny it.`), approvable: false };
  }
  return {
    block: h('div', { class: 'transaction', id: 'transaction' },
      h('p', {}, `${request.client.name} asks you to approve:`),
      h('ul', {}, ...transactions.map((transaction) => h('li', { class: 'transaction-item' }, transaction.description)))),
    approvable: true,
  };
}

async function showRequest(request: LoginRequest, account: Account): Promise<void> {
  // An app that requires a verified user (§7) gets no approval from a phone without a lock.
  const cannotVerify = request.user_verification === 'required' && (await readLock()).kind === 'none';
  const age = h('dd', { id: 'request-age' });
  const left = h('dd', { id: 'request-left' });
  const tick = () => {
    // Counted on from the read with this phone's clock: only the difference of two of its readings is used.
    const elapsed = Math.max(0, nowSeconds() - request.readAt);
    const remaining = request.secondsLeft - elapsed;
    age.textContent = ago(request.ageAtRead + elapsed);
    left.textContent = remaining > 0 ? `${remaining} s` : 'expired: scan the new code';
  };
  tick();
  ticker = window.setInterval(tick, 1000);

  const deny = h('button', { type: 'button', class: 'deny', id: 'deny', onclick: () => answer(request, account, 'deny') }, 'Deny');
  const choices = request.number_choices;
  const prompt = h('p', { id: 'number-prompt' }, 'Tap the number your browser shows.');
  // Opened from the sign-in page in this tab: that page is hidden behind this one, so its number is said here.
  if (choices) {
    void numberShownHere(request.rid, choices).then((number) => {
      if (number) prompt.textContent = `Your browser’s sign-in page, behind this one, shows ${number}. Tap ${number}.`;
    });
  }
  const transaction = transactionBlock(request);
  const decide = !transaction.approvable || cannotVerify
    ? h('div', { class: 'actions decide' }, deny)
    : choices
    ? h('div', { class: 'numbers-block' },
      prompt,
      h('div', { class: 'numbers', role: 'group', 'aria-labelledby': 'number-prompt' },
        ...choices.map((choice) => h('button', { type: 'button', class: 'number', 'data-number': choice, 'aria-label': `Approve with number ${choice}`, onclick: () => answer(request, account, 'approve', choice) }, choice))),
      h('p', { class: 'small muted' }, 'A wrong number refuses this sign-in.'),
      deny)
    : h('div', { class: 'actions decide' },
      h('button', { type: 'button', class: 'approve primary', id: 'approve', onclick: () => answer(request, account, 'approve') }, 'Approve'),
      deny);

  show(
    h('h1', {}, transaction.block ? `Approve for ${request.client.name}?` : `Sign in to ${request.client.name}?`),
    transaction.block,
    h('dl', { class: 'facts' },
      h('dt', {}, 'App'), h('dd', { id: 'request-client' }, `${request.client.name} (${request.client.client_id})`),
      // A backchannel sign-in (from the inbox) has no browser; the app shows its binding message.
      ...(request.browser
        ? [h('dt', {}, 'Browser'), h('dd', { id: 'request-browser', title: request.browser.user_agent }, describeUserAgent(request.browser.user_agent)),
          h('dt', {}, 'IP address'), h('dd', { id: 'request-ip' }, request.browser.ip),
          // Absent when the server does not know: nothing is shown rather than a guess.
          ...(request.browser.place ? [h('dt', {}, 'Approx. place'), h('dd', { id: 'request-place' }, request.browser.place)] : [])]
        : [h('dt', {}, 'The app shows'), h('dd', { id: 'request-binding' }, request.binding_message ?? '(nothing)')]),
      h('dt', {}, 'Requested'), age,
      h('dt', {}, 'Time left'), left,
      h('dt', {}, 'Server'), h('dd', {}, hostOf(request.issuer)),
      h('dt', {}, 'Account'), h('dd', { id: 'request-account' }, account.email)),
    request.proximity && !request.proximity.same_network
      ? h('p', { class: 'warning', id: 'other-network', role: 'alert' }, `This sign-in was started on another network (${request.proximity.browser_ip}) than this phone's (${request.proximity.device_ip}). Approve only if you started it yourself.`)
      : null,
    cannotVerify
      ? h('p', { class: 'warning', id: 'needs-lock', role: 'alert' }, `${request.client.name} requires you to unlock this app before approving, and this app has no lock. Deny this sign-in, set up the app lock, and sign in again.`)
      : null,
    cannotVerify ? h('a', { class: 'button', href: '#/lock', id: 'set-up-lock' }, 'Set up the app lock') : null,
    h('p', { class: 'small muted' }, 'Approve only a sign-in you started yourself, on the computer in front of you.'),
    decide,
  );
}
