// Where a page's event stream writes: straight to the HTTP response once the stream has opened,
// so that an event or a keep-alive is one write on the socket, not a trip through a PassThrough
// and the pipe Koa makes from it. With thousands of browsers waiting, the keep-alives are most
// of an instance's idle work (bench/RESULTS.md). What is written while the stream opens (it
// subscribes and reads the state) is kept until then, so that an error while opening can still
// be answered with an error page instead of a half-sent stream.
import type { ServerResponse } from 'node:http';

export class EventSink {
  private response: ServerResponse | undefined;
  private kept: string[] = [];
  private ended = false;

  write(text: string): void {
    if (this.ended) return;
    if (this.response) this.response.write(text);
    else this.kept.push(text);
  }

  end(): void {
    if (this.ended) return;
    this.ended = true;
    this.response?.end();
  }

  /** From now on writes go to `response`, after what was kept; it ends at once if the stream already has. */
  attach(response: ServerResponse): void {
    this.response = response;
    response.write(this.kept.join(''));
    this.kept = [];
    if (this.ended) response.end();
  }
}
