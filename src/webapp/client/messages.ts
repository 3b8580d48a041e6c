// What each protocol error means to the person holding the phone (docs/protocol.md §9).
import { ApiError } from './deviceApi.ts';

export type Message = { title: string; text: string };

const LOGIN: Record<string, Message> = {
  expired: { title: 'This code has expired', text: 'The browser already shows a new code. Scan that one.' },
  already_answered: { title: 'Already answered', text: 'This sign-in was already approved or denied. Look at your browser.' },
  not_found: { title: 'Unknown code', text: 'This code is not valid (or is long gone). Scan the one your browser shows now.' },
  wrong_number: { title: 'Wrong number: sign-in refused', text: 'That was not the number your browser shows, so this sign-in was refused. Start again in the browser.' },
  device_revoked: { title: 'This phone was revoked', text: 'An administrator removed this phone from your account, so its key was deleted here. Ask for a new invite.' },
  unknown_device: { title: 'This phone is not known there', text: 'The server no longer knows this phone’s key. Remove the account here and enroll again with a new invite.' },
  sign_in_ended: { title: 'This sign-in is over', text: 'It was cancelled or finished in the browser, or ran out of time. Start again in the app if you still want to sign in.' },
  device_pending: { title: 'This phone is not confirmed yet', text: 'Confirm it in the browser that showed the enrollment code, then try again.' },
  wrong_account: { title: 'This sign-in is for another account', text: 'Choose the account the browser is signing in to. If the browser says “Continue as” someone else and this is your sign-in, choose “Use another account” there and scan again.' },
};

const ENROLL: Record<string, Message> = {
  expired: { title: 'This invite has expired', text: 'Ask for a new invite.' },
  already_answered: { title: 'This invite was already used', text: 'An invite works once. If it was not you who used it, tell your administrator at once.' },
  not_found: { title: 'Unknown invite', text: 'This invite does not exist. Check the link, or ask for a new invite.' },
  key_already_enrolled: { title: 'This key is already enrolled', text: 'Scan the invite again: this phone will make a new key for it.' },
  invalid_device_name: { title: 'Choose another name for this phone', text: 'The name must be 1 to 64 printable characters.' },
};

/** What any call may meet, sign-in, invite or notebook alike. */
const ANY: Record<string, Message> = {
  account_disabled: { title: 'This account is disabled', text: 'An administrator disabled this account, so it cannot sign in or change anything for now. Ask them to enable it again.' },
  clock_skew: { title: 'Your phone’s clock is wrong', text: 'Set the date and time to automatic, then try again.' },
  rate_limited: { title: 'Too many tries', text: 'The server is taking no more from this network for a moment. Wait a minute, then try again.' },
};

export function describeError(error: unknown, kind: 'login' | 'enroll' | 'vault'): Message {
  if (!(error instanceof ApiError)) return { title: 'Something went wrong', text: (error as Error).message };
  if (error.error === 'offline') return { title: 'No connection', text: error.description };
  if (error.error === 'wrong_issuer') return { title: 'This link uses another address for the server', text: error.description };
  const known = (kind === 'enroll' ? ENROLL : LOGIN)[error.error] ?? ANY[error.error];
  if (known) return known;
  return { title: 'The server refused', text: `${error.description || error.error} (${error.error}, HTTP ${error.status})` };
}
