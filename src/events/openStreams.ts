// This instance's open event streams, driven by one shared timer instead of timers per stream:
// each second it sends the keep-alives that are due and lets each stream run the deadline it
// waits for (its QR code running out, its interaction ending). An idle stream costs no timer and
// no polling. At shutdown the streams are told to reconnect, which lands them on another instance.
export interface OpenStream {
  /** Called about once a second with Date.now(). */
  tick(nowMs: number): void;
  /** The instance is going away: ask the browser to reconnect (elsewhere) and end. */
  reconnect(): void;
}

const TICK_MS = 1_000;

export class OpenStreams {
  private readonly streams = new Set<OpenStream>();
  private timer: NodeJS.Timeout | undefined;
  private draining = false;

  get size(): number {
    return this.streams.size;
  }

  get isDraining(): boolean {
    return this.draining;
  }

  /** Returns the function that removes the stream. */
  add(stream: OpenStream): () => void {
    this.streams.add(stream);
    this.timer ??= setInterval(() => this.tick(), TICK_MS);
    return () => {
      this.streams.delete(stream);
      if (this.streams.size === 0) this.stop();
    };
  }

  /** Every open stream, now and from now on, is asked to reconnect elsewhere. */
  drain(): void {
    this.draining = true;
    for (const stream of [...this.streams]) stream.reconnect();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  private tick(): void {
    const now = Date.now();
    for (const stream of this.streams) stream.tick(now);
  }
}
