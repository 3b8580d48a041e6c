// Counts one hit against a rule for a subject (a client IP or an account) and refuses it with
// 429 and Retry-After once the window's limit is passed. The count is kept in the database
// (hitCounters.ts), so it holds across restarts and across every instance that shares it.
import { recordAudit } from '../audit/audit.ts';
import { tooManyRequests } from '../protocol/errors.ts';
import type { Services } from '../services.ts';
import type { RateLimitRule } from './rules.ts';

export async function enforceRateLimit(services: Pick<Services, 'db' | 'clock' | 'config' | 'metrics' | 'hitCounter'>, rule: RateLimitRule, subject: string): Promise<void> {
  const { limit, window } = services.config.rateLimits[rule];
  const now = services.clock();
  const windowStart = now - (now % window);
  const windowEnd = windowStart + window;
  const hits = await services.hitCounter.hit(rule, subject.slice(0, 128), windowStart, windowEnd);
  if (hits <= limit) return;
  services.metrics.rateLimitTrips.inc({ rule });
  // Once per window and subject: a flood must not become a flood of audit rows.
  if (hits === limit + 1) await recordAudit(services, { event: 'rate_limit', detail: { rule, subject: subject.slice(0, 128), limit, window } });
  throw tooManyRequests(rule, windowEnd - now);
}
