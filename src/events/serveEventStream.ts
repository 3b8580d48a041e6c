// Answers a request with a Server-Sent Events stream (the sign-in page's, the add-device page's):
// headers that keep proxies from buffering or caching it, a socket that never times out and
// sends each event at once, and the stream closed when the browser goes away.
import type { Context } from 'koa';
import type { EventSink } from './eventSink.ts';

export type ServedStream = {
  readonly body: EventSink;
  /** Subscribes and says what the page has not heard yet. */
  start(): Promise<void>;
  close(): void;
};

export async function serveEventStream(ctx: Context, stream: ServedStream): Promise<void> {
  ctx.req.on('close', () => stream.close());
  ctx.req.socket.setTimeout(0);
  ctx.req.socket.setNoDelay(true);
  ctx.set({ 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-cache, no-transform', 'X-Accel-Buffering': 'no' });
  try {
    await stream.start();
  } catch (error) {
    stream.close();
    throw error;
  }
  // Opened: the stream answers by itself from here on (eventSink.ts), past Koa's response handling.
  ctx.status = 200;
  ctx.respond = false;
  stream.body.attach(ctx.res);
}
