// Enroll: show whose account this phone is about to be bound to, let the user name the phone,
// then make a key pair and prove it to the server (docs/protocol.md §6).
import type { ScaninUrl } from '../../../protocol/urls.ts';
import { removeAccount, saveAccount, type Account } from '../accountStore.ts';
import { ApiError, enroll, readDeviceStatus, readEnrollment } from '../deviceApi.ts';
import { generateDeviceKey } from '../deviceKeys.ts';
import { h, hostOf, show } from '../dom.ts';
import { describeError } from '../messages.ts';
import { notificationsButton } from '../push.ts';
import { describeUserAgent } from '../userAgent.ts';
import { newVaultKey } from '../vaultCipher.ts';
import { resultScreen } from './result.ts';

const KINDS: Record<string, string> = {
  invite: 'You were invited by an administrator.',
  signup: 'You are signing up in a browser.',
  add_device: 'You are adding another device to your account.',
  recovery: 'You used a recovery code in a browser to replace a lost phone.',
};

const enrolled = (account: Account) => ({ title: 'This phone is enrolled', text: `From now on, scan the QR code on ${hostOf(account.issuer)} to sign in as ${account.email}.` });

/**
 * After an add-device code: the phone waits, with signed long polls (protocol §6), until the
 * browser that showed the code confirms it, while this screen is shown.
 */
async function awaitConfirmation(account: Account): Promise<void> {
  const status = h('p', { class: 'status', role: 'status', id: 'confirm-status' }, 'Waiting for your confirmation…');
  show(
    h('h1', {}, 'Almost done'),
    h('p', { id: 'confirm-hint' }, `Confirm this device in the browser that showed the QR code: it asks whether “${account.deviceName}” is yours. Until then this phone cannot approve sign-ins.`),
    status,
  );
  while (status.isConnected) {
    try {
      if ((await readDeviceStatus(account, 25)) !== 'active') continue;
      await saveAccount({ ...account, status: 'active' });
      return resultScreen(enrolled(account), 'ok', notificationsButton(account));
    } catch (error) {
      if (error instanceof ApiError && error.error === 'device_revoked') {
        await removeAccount(account.deviceId);
        return resultScreen({ title: 'This phone was not added', text: 'It was removed in the browser, or not confirmed in time, so its key was deleted here. Show a new code on your account page to try again.' }, 'error');
      }
      // Offline, the server busy or restarting: try again shortly; anything else will not get better.
      if (error instanceof ApiError && error.status !== 0 && error.status < 500 && error.status !== 429) return resultScreen(describeError(error, 'enroll'), 'error');
      await new Promise((resolve) => setTimeout(resolve, 3000));
    }
  }
}

export async function enrollScreen(url: ScaninUrl): Promise<void> {
  show(h('h1', {}, 'Reading the invite…'));
  let enrollment;
  try {
    enrollment = await readEnrollment(url);
  } catch (error) {
    return resultScreen(describeError(error, 'enroll'), 'error');
  }
  const input = h('input', { id: 'device-name', maxlength: '64', required: true, autocomplete: 'off', value: `${describeUserAgent(navigator.userAgent)} (web app)` });
  const status = h('p', { class: 'status', role: 'status' });
  const bind = h('button', { type: 'submit', class: 'primary', id: 'enroll' }, 'Bind this phone');
  const form = h('form', { onsubmit: async (event) => {
    event.preventDefault();
    bind.disabled = true;
    status.textContent = 'Making a key on this phone…';
    try {
      const key = await generateDeviceKey();
      const deviceName = input.value.trim();
      const answer = await enroll(enrollment, key, deviceName);
      const account: Account = {
        deviceId: key.deviceId, issuer: enrollment.issuer, sub: answer.sub, email: enrollment.account.email, name: enrollment.account.name,
        deviceName, alg: key.alg, privateKey: key.privateKey, publicJwk: key.publicJwk, vaultKey: await newVaultKey(), status: answer.status,
        enrolledAt: Math.floor(Date.now() / 1000),
      };
      await saveAccount(account);
      // Lets /q/ and /e/ pages of this origin send the phone straight here next time.
      localStorage.setItem('scanin-app', '1');
      if (answer.status === 'pending_confirmation') return awaitConfirmation(account);
      resultScreen(enrolled(account), 'ok', notificationsButton(account));
    } catch (error) {
      resultScreen(describeError(error, 'enroll'), 'error');
    }
  } },
  h('label', { for: 'device-name' }, 'Name this phone'),
  input,
  h('p', { class: 'small muted' }, 'People confirm devices by this name. Up to 64 characters.'),
  status,
  h('div', { class: 'actions' }, bind, h('a', { class: 'button', href: '#/', id: 'cancel' }, 'Cancel')));
  show(
    h('h1', {}, 'Bind this phone?'),
    h('dl', { class: 'facts' },
      h('dt', {}, 'Account'), h('dd', { id: 'enroll-account' }, `${enrollment.account.name} (${enrollment.account.email})`),
      h('dt', {}, 'Server'), h('dd', {}, hostOf(enrollment.issuer)),
      h('dt', {}, 'Why'), h('dd', {}, KINDS[enrollment.kind] ?? enrollment.kind)),
    h('p', { class: 'small muted' }, 'Only go on if you asked for this. Whoever uses an invite first gets the account.'),
    form,
  );
  input.focus();
}
