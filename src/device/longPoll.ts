// Long polls of the device API (`?wait=N`): the inbox (§17) and a device's own status (§6). The
// device asks, and when there is nothing new yet the answer waits until something is published
// on the bus topic, the time is up, the instance shuts down (the shared stream timer and drain),
// or the device hangs up. Subscribed before the state is read, so a change in between is not missed.
import type { Context } from 'koa';
import { invalidRequest } from '../protocol/errors.ts';
import type { Services } from '../services.ts';

export const MAX_WAIT_SECONDS = 30;

/** `wait`, from 0 (answer at once, also when absent) to 30 seconds. */
export function parseWait(value: unknown): number {
  if (value === undefined) return 0;
  if (typeof value !== 'string' || !/^\d{1,2}$/.test(value) || Number(value) > MAX_WAIT_SECONDS) {
    throw invalidRequest(`wait must be a whole number of seconds from 0 to ${MAX_WAIT_SECONDS}, got ${JSON.stringify(value)}`);
  }
  return Number(value);
}

export type Waiter = { arrived: Promise<void>; cancel(): void };

/** Resolves on the first event of `topic`, after `waitMs`, at shutdown, or when the device hangs up. */
export function topicWaiter(ctx: Context, services: Services, topic: string, waitMs: number): Waiter {
  let finish = () => {};
  const arrived = new Promise<void>((resolve) => (finish = resolve));
  const deadline = Date.now() + waitMs;
  const unsubscribe = services.bus.subscribe(topic, () => finish(), () => finish());
  const removeStream = services.streams.add({
    tick: (nowMs) => {
      if (nowMs >= deadline) finish();
    },
    reconnect: () => finish(),
  });
  ctx.req.once('close', () => finish());
  return {
    arrived,
    cancel() {
      unsubscribe();
      removeStream();
    },
  };
}
