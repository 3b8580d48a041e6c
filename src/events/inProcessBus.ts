// The bus of a single instance (SQLite): publishing is delivering, nothing can be missed.
import type { Logger } from '../log/logger.ts';
import type { EventBus, Listener, LoginEvent } from './bus.ts';
import { LocalSubscribers } from './localSubscribers.ts';

export class InProcessBus implements EventBus {
  private readonly subscribers: LocalSubscribers;

  constructor(log: Logger) {
    this.subscribers = new LocalSubscribers(log);
  }

  async publish(topic: string, event: LoginEvent): Promise<void> {
    this.subscribers.deliver(topic, event);
  }

  subscribe(topic: string, listener: Listener, resync?: () => void): () => void {
    return this.subscribers.add(topic, listener, resync);
  }

  async close(): Promise<void> {
    this.subscribers.clear();
  }
}
