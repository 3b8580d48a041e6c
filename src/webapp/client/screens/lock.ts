// The app lock's screens: #/lock to choose it (a PIN, this phone's own lock, or none), and the
// check before an approval. Changing or removing a lock needs the lock first, or the person who
// picked up the phone would just turn it off.
import { checkPin, checkPlatform, PIN_MIN_DIGITS, pinProblem, platformLockAvailable, readLock, removeLock, setPin, setPlatformLock, type UserVerified } from '../appLock.ts';
import { h, show } from '../dom.ts';

/** What the check before an approval found: verified (how), no lock set, or not verified. */
export type Verification = UserVerified | 'no_lock' | 'not_verified';

function askPin(title: string, reason: string, check: (pin: string) => Promise<string | null>): Promise<string | null> {
  return new Promise((resolve) => {
    const input = h('input', { id: 'pin-input', type: 'password', inputmode: 'numeric', autocomplete: 'off', required: true, 'aria-describedby': 'pin-error' });
    const error = h('p', { id: 'pin-error', class: 'small', role: 'alert' });
    const submit = h('button', { type: 'submit', class: 'primary', id: 'pin-submit' }, 'OK');
    show(
      h('h1', {}, title),
      h('p', {}, reason),
      h('form', { class: 'pin', onsubmit: async (event) => {
        event.preventDefault();
        submit.disabled = true;
        const problem = await check(input.value);
        submit.disabled = false;
        if (problem === null) return resolve(input.value);
        error.textContent = problem;
        input.value = '';
        input.focus();
      } },
      h('label', { for: 'pin-input' }, 'PIN'), input, error, submit),
      h('button', { type: 'button', id: 'pin-cancel', onclick: () => resolve(null) }, 'Cancel'),
    );
    input.focus();
  });
}

const wrongPin = (waitSeconds: number) => (waitSeconds > 0 ? `Wrong PIN. Too many tries: wait ${waitSeconds} s before the next one.` : 'Wrong PIN. Try again.');

/** Checks the person with the lock this phone has; `reason` says what for. */
export async function verifyUser(reason: string): Promise<Verification> {
  const lock = await readLock();
  if (lock.kind === 'none') return 'no_lock';
  if (lock.kind === 'platform') {
    // The platform shows its own prompt; this screen stays behind it, with a way out when it does not answer.
    const giveUp = new AbortController();
    show(h('h1', {}, 'Unlock'), h('p', {}, reason), h('button', { type: 'button', id: 'unlock-cancel', onclick: () => giveUp.abort() }, 'Cancel'));
    return (await checkPlatform(giveUp.signal).catch(() => false)) ? { uvm: 'platform' } : 'not_verified';
  }
  const pin = await askPin('Enter your PIN', reason, async (candidate) => {
    const result = await checkPin(candidate);
    return result.ok ? null : wrongPin(result.waitSeconds);
  });
  return pin === null ? 'not_verified' : { uvm: 'pin' };
}

async function chooseNewPin(): Promise<boolean> {
  const first = await askPin('Choose a PIN', `At least ${PIN_MIN_DIGITS} digits. You will enter it before every approval.`, async (pin) => pinProblem(pin));
  if (first === null) return false;
  const again = await askPin('Repeat the PIN', 'Enter the same PIN again.', async (pin) => (pin === first ? null : 'Not the same PIN. Enter the PIN you chose.'));
  if (again === null) return false;
  await setPin(first);
  return true;
}

function done(text: string): void {
  show(h('h1', { id: 'lock-done' }, 'App lock'), h('p', { id: 'lock-status' }, text), h('a', { class: 'button primary', href: '#/' }, 'Back to accounts'));
}

export async function lockScreen(): Promise<void> {
  const lock = await readLock();
  const change = async (work: () => Promise<string | null>) => {
    if (lock.kind !== 'none' && typeof (await verifyUser('Unlock to change the app lock.')) !== 'object') return done('The app lock is unchanged.');
    try {
      const text = await work();
      done(text ?? 'The app lock is unchanged.');
    } catch (error) {
      done(`The app lock is unchanged: ${(error as Error).message}`);
    }
  };
  const current = { none: 'Off: anyone holding this phone can approve.', pin: 'A PIN, asked before every approval.', platform: 'This phone’s own lock (fingerprint, face or screen lock), asked before every approval.' }[lock.kind];
  show(
    h('h1', {}, 'App lock'),
    h('p', { id: 'lock-current' }, current),
    h('p', { class: 'small muted' }, 'Apps that require it accept only approvals made after this check.'),
    h('div', { class: 'actions' },
      h('button', { type: 'button', id: 'lock-pin', onclick: () => change(async () => ((await chooseNewPin()) ? 'A PIN now locks approvals.' : null)) }, lock.kind === 'pin' ? 'Change the PIN' : 'Use a PIN'),
      platformLockAvailable()
        ? h('button', { type: 'button', id: 'lock-platform', onclick: () => change(async () => { await setPlatformLock(); return 'This phone’s own lock now locks approvals.'; }) }, 'Use this phone’s lock')
        : null,
      lock.kind === 'none' ? null : h('button', { type: 'button', id: 'lock-off', onclick: () => change(async () => { await removeLock(); return 'The app lock is off.'; }) }, 'Turn off')),
    h('a', { class: 'button', href: '#/' }, 'Back to accounts'),
  );
}
