// Wakes the browsers waiting on a login, on whichever instance holds their event stream. One
// interface, two implementations chosen by DATABASE_URL (see openBus.ts): in-process for SQLite
// (one instance), PostgreSQL LISTEN/NOTIFY when several instances share a database. Events carry
// no state that is not also in the database: a subscriber that may have missed some (the
// listening connection was lost) is told to re-read its state, once.

/** What crosses instances: the answers to a login request. Small (NOTIFY payloads are < 8000 bytes). */
export type LoginEvent =
  | { type: 'scanned'; data: Record<string, never> }
  /**
   * `account`: who approved, "Name <email>", for the page to show before it moves on. `at`: when
   * the approval was committed (ms since the epoch), for the latency metric; not sent to the browser.
   */
  | { type: 'approved'; data: { complete_url: string; account: string }; at?: number }
  | { type: 'denied'; data: Record<string, never> }
  /** The phone enrolled with this sign-in's sign-up: the page finishes it at `complete_url`. */
  | { type: 'enrolled'; data: { complete_url: string } }
  /** A newer event stream opened for the interaction (`stream` names it): older ones end. */
  | { type: 'replaced'; data: { stream: string } }
  // A sign-in for this account waits in the device inbox (CIBA).
  | { type: 'inbox'; data: { rid: string } }
  /**
   * Adding a device (enrollment/addDevice.ts): its enrollment or the device it bound changed
   * (enrolled, confirmed, rejected, expired). A wake-up only: listeners read the state again.
   */
  | { type: 'device_state'; data: Record<string, never> };

export type Listener = (event: LoginEvent) => void;

export interface EventBus {
  /** Delivers `event` to every subscriber of `topic` on every instance. Never throws. */
  publish(topic: string, event: LoginEvent): Promise<void>;
  /**
   * Returns the function that unsubscribes. `resync` is called when events for this topic may
   * have been lost (after the bus reconnected): the subscriber should read its state again.
   */
  subscribe(topic: string, listener: Listener, resync?: () => void): () => void;
  close(): Promise<void>;
}

/** The topic an account's devices wait on in the inbox. */
export function inboxTopic(accountId: string): string {
  return `inbox:${accountId}`;
}

/** The topic the account's browsers showing its add-device handover listen on. */
export function addDeviceTopic(accountId: string): string {
  return `add_device:${accountId}`;
}

/** The topic a device waiting for confirmation listens on (its status call, `wait`). */
export function deviceTopic(deviceId: string): string {
  return `device:${deviceId}`;
}

/** The topic a login interaction's browser listens on. */
export function interactionTopic(uid: string): string {
  return `interaction:${uid}`;
}
