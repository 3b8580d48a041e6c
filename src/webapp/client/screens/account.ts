// One account: what this phone knows of it, its encrypted notebook (the vault, §16) and removal.
// A notebook write names the version it was based on; if the server has a newer one, both texts
// are shown and the user chooses: nothing is overwritten without being seen.
import { findAccount, removeAccount, type Account } from '../accountStore.ts';
import { ApiError, readVault, writeVault } from '../deviceApi.ts';
import { go, h, hostOf, show } from '../dom.ts';
import { describeError } from '../messages.ts';
import { dropNotifications, notificationsButton } from '../push.ts';
import { openVault, sealVault } from '../vaultCipher.ts';
import { resultScreen } from './result.ts';

async function readText(account: Account): Promise<{ version: number; text: string }> {
  const vault = await readVault(account);
  return { version: vault.version, text: vault.data === null ? '' : await openVault(account.vaultKey, account.deviceId, vault.data) };
}

function notebook(account: Account): HTMLElement {
  const textarea = h('textarea', { id: 'vault-text', rows: '6', disabled: true });
  const status = h('p', { class: 'status', role: 'status', id: 'vault-status' }, 'Opening…');
  const conflict = h('div', { class: 'conflict hidden', id: 'vault-conflict', role: 'alert' });
  const save = h('button', { type: 'submit', class: 'primary', id: 'vault-save', disabled: true }, 'Save notebook');
  let version = 0;

  const load = async () => {
    try {
      const read = await readText(account);
      version = read.version;
      textarea.value = read.text;
      textarea.disabled = false;
      save.disabled = false;
      status.textContent = version === 0 ? 'Empty. Only this phone can read what you write here.' : `Version ${version}.`;
    } catch (error) {
      status.textContent = describeError(error, 'vault').text;
    }
  };

  const write = async (text: string, replaces: number) => {
    save.disabled = true;
    status.textContent = 'Saving…';
    try {
      version = await writeVault(account, replaces, await sealVault(account.vaultKey, account.deviceId, text));
      conflict.classList.add('hidden');
      status.textContent = `Saved: version ${version}.`;
    } catch (error) {
      if (error instanceof ApiError && error.error === 'version_conflict') await showConflict(text);
      else status.textContent = describeError(error, 'vault').text;
    } finally {
      save.disabled = false;
    }
  };

  const showConflict = async (mine: string) => {
    const theirs = await readText(account);
    status.textContent = `Not saved: the notebook changed elsewhere (now version ${theirs.version}).`;
    conflict.replaceChildren(
      h('h2', {}, 'Changed elsewhere'),
      h('p', {}, `Version ${theirs.version} on the server says:`),
      h('pre', { id: 'vault-theirs' }, theirs.text || '(empty)'),
      h('div', { class: 'actions' },
        h('button', { type: 'button', class: 'primary', id: 'vault-keep-mine', onclick: () => write(mine, theirs.version) }, 'Keep my text'),
        h('button', { type: 'button', id: 'vault-take-theirs', onclick: () => {
          version = theirs.version;
          textarea.value = theirs.text;
          conflict.classList.add('hidden');
          status.textContent = `Version ${version}.`;
        } }, 'Use that text')),
    );
    conflict.classList.remove('hidden');
  };

  void load();
  return h('form', { class: 'vault', onsubmit: (event) => {
    event.preventDefault();
    void write(textarea.value, version);
  } },
  h('h2', {}, 'Notebook'),
  h('label', { for: 'vault-text' }, 'Encrypted on this phone; the server cannot read it.'),
  textarea, status, conflict, save);
}

function removal(account: Account): HTMLElement {
  const confirmBox = h('div', { class: 'hidden', id: 'remove-confirm', role: 'alert' },
    h('p', {}, `Remove ${account.email} at ${hostOf(account.issuer)} from this phone? Its key is deleted and cannot come back: to use this account here again you need a new invite. The server still lists this phone until an administrator revokes it.`),
    h('div', { class: 'actions' },
      h('button', { type: 'button', class: 'deny', id: 'remove-yes', onclick: async () => {
        await dropNotifications(account);
        await removeAccount(account.deviceId);
        go('#/');
      } }, 'Remove'),
      h('button', { type: 'button', onclick: () => confirmBox.classList.add('hidden') }, 'Keep it')));
  return h('div', { class: 'removal' },
    h('button', { type: 'button', id: 'remove', onclick: () => confirmBox.classList.remove('hidden') }, 'Remove this account from this phone'),
    confirmBox);
}

export async function accountScreen(deviceId: string): Promise<void> {
  const account = await findAccount(deviceId);
  if (!account) return resultScreen({ title: 'No such account', text: 'It is not on this phone (any more).' }, 'error');
  show(
    h('h1', {}, account.name),
    h('dl', { class: 'facts' },
      h('dt', {}, 'Email'), h('dd', {}, account.email),
      h('dt', {}, 'Server'), h('dd', {}, hostOf(account.issuer)),
      h('dt', {}, 'This phone'), h('dd', {}, account.deviceName),
      h('dt', {}, 'Key'), h('dd', { class: 'small' }, `${account.alg}, ${account.deviceId.slice(0, 12)}…`),
      h('dt', {}, 'Enrolled'), h('dd', {}, new Date(account.enrolledAt * 1000).toLocaleDateString())),
    notebook(account),
    notificationsButton(account),
    removal(account),
    h('a', { class: 'button', href: '#/' }, 'Back to accounts'),
  );
}
