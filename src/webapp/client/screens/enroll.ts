// Enroll: show whose account this phone is about to be bound to, let the user name the phone,
// then make a key pair and prove it to the server (docs/protocol.md §6).
import type { ScaninUrl } from '../../../protocol/urls.ts';
import { saveAccount } from '../accountStore.ts';
import { enroll, readEnrollment } from '../deviceApi.ts';
import { generateDeviceKey } from '../deviceKeys.ts';
import { h, hostOf, show } from '../dom.ts';
import { describeError } from '../messages.ts';
import { describeUserAgent } from '../userAgent.ts';
import { newVaultKey } from '../vaultCipher.ts';
import { resultScreen } from './result.ts';

const KINDS: Record<string, string> = {
  invite: 'You were invited by an administrator.',
  signup: 'You are signing up in a browser.',
  add_device: 'You are adding another device to your account.',
  recovery: 'You used a recovery code in a browser to replace a lost phone.',
};

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
      await saveAccount({
        deviceId: key.deviceId, issuer: enrollment.issuer, sub: answer.sub, email: enrollment.account.email, name: enrollment.account.name,
        deviceName, alg: key.alg, privateKey: key.privateKey, publicJwk: key.publicJwk, vaultKey: await newVaultKey(), status: answer.status,
        enrolledAt: Math.floor(Date.now() / 1000),
      });
      // Lets /q/ and /e/ pages of this origin send the phone straight here next time.
      localStorage.setItem('scanin-app', '1');
      resultScreen(answer.status === 'pending_confirmation'
        ? { title: 'Almost done', text: 'Confirm this phone in the browser that showed the code. Until then it cannot approve sign-ins.' }
        : { title: 'This phone is enrolled', text: `From now on, scan the QR code on ${hostOf(enrollment.issuer)} to sign in as ${enrollment.account.email}.` }, 'ok');
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
