// Wakes the browsers waiting on a login. One small interface so that the in-process bus here can
// be replaced by PostgreSQL LISTEN/NOTIFY when several instances share a database: the events
// carry no state that is not also in the database (a browser that misses one reads /status).
import { EventEmitter } from 'node:events';

export type BrowserEvent =
  | { type: 'scanned'; data: { number: string | null } }
  | { type: 'approved'; data: { complete_url: string } }
  | { type: 'denied'; data: Record<string, never> }
  | { type: 'qr'; data: { rid: string; url: string; svg: string; expires_at: number } }
  | { type: 'expired'; data: Record<string, never> };

export type Listener = (event: BrowserEvent) => void;

export interface EventBus {
  publish(topic: string, event: BrowserEvent): Promise<void>;
  /** Returns the function that unsubscribes. */
  subscribe(topic: string, listener: Listener): () => void;
  close(): Promise<void>;
}

/** The topic a login interaction's browser listens on. */
export function interactionTopic(uid: string): string {
  return `interaction:${uid}`;
}

export class InProcessBus implements EventBus {
  private readonly emitter = new EventEmitter();

  constructor() {
    // One listener per open browser stream: many are normal, not a leak.
    this.emitter.setMaxListeners(0);
  }

  async publish(topic: string, event: BrowserEvent): Promise<void> {
    this.emitter.emit(topic, event);
  }

  subscribe(topic: string, listener: Listener): () => void {
    this.emitter.on(topic, listener);
    return () => this.emitter.off(topic, listener);
  }

  async close(): Promise<void> {
    this.emitter.removeAllListeners();
  }
}
