// This instance's subscribers by topic: what both buses deliver to. A topic has almost always
// one subscriber (one open page), so it costs one map entry, not an emitter per stream.
import type { Logger } from '../log/logger.ts';
import type { Listener, LoginEvent } from './bus.ts';

type Subscriber = { listener: Listener; resync: (() => void) | undefined };

export class LocalSubscribers {
  private readonly byTopic = new Map<string, Set<Subscriber>>();

  constructor(private readonly log: Logger) {}

  add(topic: string, listener: Listener, resync?: () => void): () => void {
    const subscriber: Subscriber = { listener, resync };
    let set = this.byTopic.get(topic);
    if (!set) this.byTopic.set(topic, (set = new Set()));
    set.add(subscriber);
    return () => {
      set.delete(subscriber);
      if (set.size === 0 && this.byTopic.get(topic) === set) this.byTopic.delete(topic);
    };
  }

  deliver(topic: string, event: LoginEvent): void {
    const set = this.byTopic.get(topic);
    if (!set) return;
    for (const subscriber of [...set]) {
      try {
        subscriber.listener(event);
      } catch (error) {
        this.log.error({ err: error, topic }, 'event listener failed');
      }
    }
  }

  /** Every subscriber may have missed events: each re-reads its state once. */
  resyncAll(): void {
    for (const set of this.byTopic.values()) {
      for (const subscriber of set) subscriber.resync?.();
    }
  }

  clear(): void {
    this.byTopic.clear();
  }
}
