// The rate limits Scanin enforces: what each counts, and its safe default. An operator changes
// any of them with RATE_LIMITS (see src/config/env.ts and the README). Windows are fixed: a
// window of 60 s counts the hits from one whole minute to the next.
export type RateLimit = { limit: number; window: number };

export const RATE_LIMIT_RULES = {
  /** Sign-ins started (`/auth`, each makes an interaction row) and pushed requests (`/request`) per client IP. */
  auth_ip: { limit: 120, window: 60 },
  /** Sign-ins started naming one account (`login_hint`: in the query, a pushed request, or a CIBA request), from any IP. */
  auth_account: { limit: 30, window: 60 },
  /** Reads of login requests (`GET /device/v1/requests/…`) per client IP. */
  request_read_ip: { limit: 120, window: 60 },
  /** Answers to login requests per client IP. */
  request_answer_ip: { limit: 60, window: 60 },
  /** Answers to login requests per account (counted once the device's signature is checked). */
  request_answer_account: { limit: 30, window: 60 },
  /** Enrollment reads and answers per client IP. */
  enroll_ip: { limit: 30, window: 60 },
  /** Enrollment answers per account. */
  enroll_account: { limit: 10, window: 60 },
  /** Sign-ups per client IP. */
  signup_ip: { limit: 10, window: 3600 },
  /** Sign-ups per email address asked for. */
  signup_account: { limit: 3, window: 3600 },
  /** Forms sent on the account page (rename, revoke, sign out, …) per account. */
  account_page_account: { limit: 60, window: 60 },
  /** Recovery code attempts per client network (each costs one scrypt; src/recovery). */
  recovery_ip: { limit: 10, window: 3600 },
  /** Recovery code attempts per email address given, from anywhere. */
  recovery_account: { limit: 5, window: 3600 },
  /** Logouts (`/session/end`) per client IP. */
  logout_ip: { limit: 60, window: 60 },
  /** Vault reads and writes (`/device/v1/vault`) per client IP, before the signature is checked. */
  vault_ip: { limit: 300, window: 60 },
  /** Vault reads and writes per device (counted once its signature is checked). A phone reads
   *  its notebook when it opens it and writes it when the person saves: a few a minute. */
  vault_device: { limit: 60, window: 60 },
  /** Inbox polls (`/device/v1/inbox`) per client IP, before the signature is checked. Many
   *  phones can share one address (an office, a carrier's NAT), each polling twice a minute. */
  inbox_ip: { limit: 600, window: 60 },
  /** Inbox polls per device (counted once its signature is checked). A phone long-polls every
   *  ≤30 s and again at once after an answer: a few a minute, even with several tabs open. */
  inbox_device: { limit: 60, window: 60 },
  /** A device's calls about its own state (`/device/v1/device`) per client IP, before the signature is checked. */
  device_status_ip: { limit: 300, window: 60 },
  /** The same per device (counted once its signature is checked). A device waiting to be
   *  confirmed long-polls every ≤30 s and again at once after an answer: a few a minute. */
  device_status_device: { limit: 60, window: 60 },
  /** Push subscription calls (`/device/v1/push`) per client IP, before the signature is checked. */
  push_ip: { limit: 120, window: 60 },
  /** The same per device (counted once its signature is checked): a phone subscribes after it
   *  enrolls and when its browser renews the subscription, rarely more than once a day. */
  push_device: { limit: 10, window: 60 },
} satisfies Record<string, RateLimit>;

export type RateLimitRule = keyof typeof RATE_LIMIT_RULES;

export type RateLimits = Record<RateLimitRule, RateLimit>;

export function isRateLimitRule(name: string): name is RateLimitRule {
  return Object.hasOwn(RATE_LIMIT_RULES, name);
}
