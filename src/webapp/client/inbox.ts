// Listening to the device inbox (docs/protocol.md §17): while the app is open and visible, one
// long poll per enrolled account, signed with that account's key. A sign-in that arrives (CIBA:
// an app asked without a QR code) opens the same approve screen as a scanned code. No storm: a
// single outstanding poll per account, a growing pause after errors, a pause while an entry
// already shown waits for its answer (until the person leaves its screen), and nothing at all
// while the page is hidden or offline.
import { parseScaninUrl } from '../../protocol/urls.ts';
import { listAccounts, type Account } from './accountStore.ts';
import { ApiError, readInbox, type InboxEntry } from './deviceApi.ts';
import { go, openHash } from './dom.ts';

/** Seconds the server holds each poll (its maximum is 30; less stays under common proxy timeouts). */
const WAIT_SECONDS = 25;
const FIRST_BACKOFF_MS = 2_000;
const MAX_BACKOFF_MS = 60_000;
/** Between polls while the inbox holds only sign-ins already shown (it answers those at once). */
const SHOWN_PAUSE_MS = 15_000;
/** The key is gone from the server: polling again cannot help until the person acts. */
const FINAL_ERRORS = new Set(['device_revoked', 'unknown_device']);

type Poller = { stop(): void };

const pollers = new Map<string, Poller>();
/** Sign-ins already opened on this page, so an unanswered one is not opened again and again. */
const shown = new Set<string>();

const sleep = (ms: number, signal: AbortSignal, wake?: EventTarget) => new Promise<void>((resolve) => {
  const done = () => {
    clearTimeout(timer);
    resolve();
  };
  const timer = setTimeout(done, ms);
  signal.addEventListener('abort', done, { once: true });
  wake?.addEventListener('wake', done, { once: true });
});

/** Ends the pause after a shown sign-in: the person is done with that screen, so look again now. */
const waker = new EventTarget();

const active = () => document.visibilityState === 'visible' && navigator.onLine;

/** An approve (or enroll) screen is open: a new arrival waits until the person is done with it. */
const busy = () => location.hash.startsWith('#/open/');

function open(account: Account, entry: InboxEntry): void {
  // The inbox may only send this phone to a login request of the account's own issuer, for
  // that account (§17): it is read and answered with this account's key, nobody is asked which.
  const parsed = parseScaninUrl(entry.url);
  if (parsed?.kind !== 'login' || parsed.issuer !== account.issuer || parsed.id !== entry.rid || entry.sub !== account.sub) return;
  shown.add(entry.rid);
  go(openHash(entry.url, account.deviceId));
}

function poll(account: Account): Poller {
  const controller = new AbortController();
  const { signal } = controller;
  void (async () => {
    let backoff = FIRST_BACKOFF_MS;
    while (!signal.aborted) {
      try {
        const entries = await readInbox(account, WAIT_SECONDS, signal);
        backoff = FIRST_BACKOFF_MS;
        const fresh = entries.find((entry) => !shown.has(entry.rid));
        if (fresh && !busy()) open(account, fresh);
        // Entries left waiting come back at once on the next poll: pause instead of spinning.
        if (entries.length > 0) await sleep(SHOWN_PAUSE_MS, signal, waker);
      } catch (error) {
        if (signal.aborted) return;
        if (error instanceof ApiError && FINAL_ERRORS.has(error.error)) return;
        // Jitter, so several accounts (or tabs) do not retry in step.
        await sleep(backoff / 2 + Math.random() * backoff / 2, signal);
        backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
      }
    }
  })();
  return { stop: () => controller.abort() };
}

function stopAll(): void {
  for (const poller of pollers.values()) poller.stop();
  pollers.clear();
}

/** Polls for each account on this phone (call it whenever the accounts may have changed). */
export async function listenToInboxes(): Promise<void> {
  if (!active()) return stopAll();
  if (!busy()) waker.dispatchEvent(new Event('wake'));
  const accounts = await listAccounts();
  // The page may have been hidden while the accounts were read.
  if (!active()) return stopAll();
  const ids = new Set(accounts.map((account) => account.deviceId));
  for (const [deviceId, poller] of pollers) {
    if (!ids.has(deviceId)) {
      poller.stop();
      pollers.delete(deviceId);
    }
  }
  for (const account of accounts) {
    if (!pollers.has(account.deviceId)) pollers.set(account.deviceId, poll(account));
  }
}

// visibilitychange bubbles from the document to the window.
for (const event of ['visibilitychange', 'online', 'offline']) {
  window.addEventListener(event, () => void listenToInboxes());
}
