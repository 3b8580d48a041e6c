// What a page's Server-Sent Events stream is made of, whatever it waits for (a sign-in's QR code,
// src/login/eventStream.ts; an add-device handover, src/accountPage/addDeviceEvents.ts): it
// subscribes to the bus before it reads the state, so nothing published in between is lost; its
// re-reads run one at a time; it joins the instance's shared timer (OpenStreams) for its own
// deadlines and a keep-alive comment every 15 s, which proxies need to keep the connection open;
// and at shutdown it tells the page to reconnect elsewhere.
import type { Services } from '../services.ts';
import { EventSink } from './eventSink.ts';
import type { OpenStream } from './openStreams.ts';

const HEARTBEAT_MS = 15_000;
/** What a generic EventSource waits before reconnecting; our pages reconnect themselves. */
const RETRY_MS = 2_000;
/**
 * Deadlines fire this long after the second they name, so the database agrees they passed: a
 * stored row's expiry can be a second later than the `exp` it was saved with, because the engine
 * computes `expiresIn` and the adapter adds it to its own clock, which may have ticked since.
 */
export const DEADLINE_SLACK_MS = 1_050;

export abstract class PageEventStream implements OpenStream {
  readonly body = new EventSink();
  protected closed = false;
  private nextHeartbeatMs = Date.now() + HEARTBEAT_MS;
  /** Re-reads run one after another, never two at once. */
  private reading: Promise<void> = Promise.resolve();
  private readonly detach: Array<() => void> = [];

  constructor(
    protected readonly services: Services,
    release: () => void,
  ) {
    this.detach.push(release);
  }

  /** Opens the stream (serveEventStream calls it). */
  abstract start(): Promise<void>;
  /** Says whatever the page has not heard yet. */
  protected abstract catchUp(): Promise<void>;
  /** The stream's own deadlines, about once a second. */
  protected abstract deadlines(nowMs: number): void;
  /** The instance is going away: ask the page to reconnect (elsewhere) and end. */
  abstract reconnect(): void;

  /**
   * Subscribes (`subscribe` returns how to unsubscribe), runs `announce`, then reads the state,
   * and joins the instance's streams unless that already ended it.
   */
  protected async open(subscribe: () => () => void, announce?: () => Promise<void>): Promise<void> {
    this.detach.push(subscribe());
    this.body.write(`retry: ${RETRY_MS}\n\n`);
    await announce?.();
    this.reading = this.catchUp();
    await this.reading;
    if (this.closed) return;
    this.detach.push(this.services.streams.add(this));
    if (this.services.streams.isDraining) this.reconnect();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const detach of this.detach) detach();
    this.body.end();
  }

  tick(nowMs: number): void {
    this.deadlines(nowMs);
    if (this.closed || nowMs < this.nextHeartbeatMs) return;
    this.nextHeartbeatMs = nowMs + HEARTBEAT_MS;
    this.body.write(': keep-alive\n\n');
  }

  /** Reads the state again (after the last read), e.g. when the bus may have lost events. */
  readState(): void {
    this.reading = this.reading.then(() => this.catchUp()).catch((error: unknown) => {
      this.services.log.error({ err: error }, 'event stream failed');
      this.close();
    });
  }
}
