// The accounts on this phone, and the ways in: scan a code, or paste a link. Works offline:
// everything here comes from IndexedDB.
import { listAccounts } from '../accountStore.ts';
import { go, h, hostOf, openHash, show } from '../dom.ts';

export function pasteForm(): HTMLFormElement {
  const input = h('input', { id: 'paste-link', type: 'url', inputmode: 'url', autocomplete: 'off', spellcheck: 'false', placeholder: 'https://…/q/… or …/e/…', required: true });
  return h('form', { class: 'paste', onsubmit: (event) => {
    event.preventDefault();
    go(openHash(input.value.trim()));
  } },
  h('label', { for: 'paste-link' }, 'Or paste a link from Scanin'),
  input,
  h('button', { type: 'submit' }, 'Open link'));
}

export async function homeScreen(): Promise<void> {
  const accounts = await listAccounts();
  const list = accounts.length === 0
    ? h('p', { class: 'muted', id: 'no-accounts' }, 'No accounts on this phone yet. Scan an invite’s QR code to add one.')
    : h('ul', { class: 'accounts', 'aria-label': 'Accounts on this phone' }, ...accounts.map((account) => h('li', {},
      h('a', { class: 'account', href: `#/account/${encodeURIComponent(account.deviceId)}` },
        h('span', { class: 'account-name' }, account.name),
        h('span', { class: 'account-email' }, account.email),
        h('span', { class: 'account-issuer' }, hostOf(account.issuer)),
        account.status === 'pending_confirmation' ? h('span', { class: 'badge' }, 'waiting for confirmation') : null))));
  show(
    h('h1', {}, 'Your accounts'),
    list,
    h('a', { class: 'button primary', href: '#/scan', id: 'scan' }, 'Scan a QR code'),
    pasteForm(),
    h('a', { class: 'button', href: '#/lock', id: 'app-lock' }, 'App lock'),
  );
}
