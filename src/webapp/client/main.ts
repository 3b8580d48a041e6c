// The web authenticator at {issuer}/app/: a hash router over the screens, and the service worker
// that lets it open offline. Links: #/ (accounts), #/scan, #/account/{device_id}, #/lock (the
// app lock), and
// #/open/{a scanned or pasted /q/ or /e/ URL}, which is where /q/ and /e/ pages send a phone,
// and where a sign-in from an account's inbox (inbox.ts) opens, with ?as={device_id} naming the
// account whose inbox it came from.
import { parseScaninUrl } from '../../protocol/urls.ts';
import { go, h, show } from './dom.ts';
import { listenToInboxes } from './inbox.ts';
import { accountScreen } from './screens/account.ts';
import { approveScreen, stopTicking } from './screens/approve.ts';
import { enrollScreen } from './screens/enroll.ts';
import { homeScreen } from './screens/home.ts';
import { lockScreen } from './screens/lock.ts';
import { resultScreen } from './screens/result.ts';
import { scanScreen, stopScanning } from './screens/scan.ts';

async function openLink(rest: string): Promise<void> {
  // The link is percent-encoded whole, so a bare "?" can only start the app's own parameters.
  const [link = '', query = ''] = rest.split('?', 2);
  const url = parseScaninUrl(decodeURIComponent(link));
  if (!url) {
    return resultScreen({ title: 'Not a Scanin code', text: 'A Scanin link looks like https://…/q/… (sign-in) or https://…/e/… (invite).' }, 'error');
  }
  const asDeviceId = new URLSearchParams(query).get('as') ?? undefined;
  return url.kind === 'login' ? approveScreen(url, asDeviceId) : enrollScreen(url);
}

async function route(): Promise<void> {
  stopScanning();
  stopTicking();
  // Accounts come and go with enrollments and removals: each screen change catches up.
  void listenToInboxes();
  const [, screen = '', rest = ''] = /^#\/([a-z]*)\/?(.*)$/.exec(location.hash) ?? [];
  try {
    if (screen === 'scan') return await scanScreen();
    if (screen === 'open') return await openLink(rest);
    if (screen === 'account') return await accountScreen(decodeURIComponent(rest));
    if (screen === 'lock') return await lockScreen();
    return await homeScreen();
  } catch (error) {
    show(h('h1', {}, 'Something went wrong'), h('p', {}, (error as Error).message), h('a', { class: 'button', href: '#/' }, 'Back to accounts'));
  }
}

window.addEventListener('hashchange', () => void route());
void route();

if ('serviceWorker' in navigator) {
  // A tapped notification (sw.ts) brings an open app to its accounts, where the inbox is read.
  navigator.serviceWorker.addEventListener('message', (event: MessageEvent<{ go?: unknown }>) => {
    if (event.data?.go === '#/') go('#/');
  });
  navigator.serviceWorker.register('sw.js', { scope: './' }).catch(() => {
    // Without a service worker the app still works, only not offline.
  });
}
