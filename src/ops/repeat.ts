// A task run every few milliseconds by each instance (sending what outboxes hold), never two of
// its rounds at once: a round slower than the interval makes the next one wait, not pile up.
export type Repeating = {
  /** No more rounds; resolves once the one running, if any, has ended. */
  stop(): Promise<void>;
};

export function repeat(intervalMs: number, round: () => Promise<unknown>): Repeating {
  let running: Promise<unknown> | undefined;
  const timer = setInterval(() => {
    running ??= round().finally(() => (running = undefined));
  }, intervalMs);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
