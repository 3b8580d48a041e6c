// Reads a Server-Sent Events stream the way the login page does, with eventsource-parser, and
// lets a test wait for the next event.
import { createParser, type EventSourceMessage } from 'eventsource-parser';
import { request } from 'undici';

export type StreamEvent = { type: string; data: Record<string, unknown> };

export class EventStream {
  private readonly events: StreamEvent[] = [];
  private waiters: Array<() => void> = [];
  private readonly abort = new AbortController();
  status = 0;
  contentType = '';
  ended = false;
  /** Comment lines (keep-alives) received so far. */
  comments = 0;

  static async open(url: string, headers: Record<string, string>): Promise<EventStream> {
    const stream = new EventStream();
    const response = await request(url, { headers: { accept: 'text/event-stream', ...headers }, signal: stream.abort.signal });
    stream.status = response.statusCode;
    stream.contentType = String(response.headers['content-type']);
    const parser = createParser({
      onEvent: (message: EventSourceMessage) => {
        stream.events.push({ type: message.event ?? 'message', data: JSON.parse(message.data) as Record<string, unknown> });
        stream.wake();
      },
      onComment: () => {
        stream.comments += 1;
      },
    });
    (async () => {
      try {
        for await (const chunk of response.body) parser.feed(chunk.toString());
      } catch {
        // aborted by close()
      }
      stream.ended = true;
      stream.wake();
    })();
    return stream;
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }

  /** The next event not yet taken; fails after `timeoutMs`. */
  async next(timeoutMs = 10_000): Promise<StreamEvent> {
    const deadline = Date.now() + timeoutMs;
    while (this.events.length === 0) {
      if (this.ended) throw new Error('the event stream ended');
      const left = deadline - Date.now();
      if (left <= 0) throw new Error('no event arrived in time');
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    return this.events.shift()!;
  }

  close(): void {
    this.abort.abort();
  }
}
