// How many event streams may be open at once. Each open stream holds a socket, a file
// descriptor and some tens of KiB on this instance until the browser leaves, so this counts
// what this process holds, per client network (IPv4 address or IPv6 /64), and refuses more
// than STREAMS_PER_IP with 429. One stream per interaction is enforced across instances by an
// event on the bus (see eventStream.ts), since any instance may hold the older one.
import { tooManyRequests } from '../protocol/errors.ts';

/** Seconds a refused browser should wait: about when a waiting page gives up its stream. */
const RETRY_AFTER = 15;

export class StreamLimits {
  private readonly open = new Map<string, number>();

  constructor(private readonly perNetwork: number) {}

  /** Takes a place for `network`, or throws 429; the returned function gives it back once. */
  acquire(network: string): () => void {
    const count = this.open.get(network) ?? 0;
    if (count >= this.perNetwork) throw tooManyRequests('event streams per address', RETRY_AFTER);
    this.open.set(network, count + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.open.get(network) ?? 1) - 1;
      if (left > 0) this.open.set(network, left);
      else this.open.delete(network);
    };
  }

  /** Open streams on this instance, all networks together. */
  get total(): number {
    let sum = 0;
    for (const count of this.open.values()) sum += count;
    return sum;
  }
}
