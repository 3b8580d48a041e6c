// GET /account/add-device/events — the add-device page's Server-Sent Events stream. It says the
// handover's `state` (addDeviceView.ts: a key and a status) on connect and whenever it changes:
// a device enrolled with the code, the person (in this tab or another) confirmed or removed it,
// a newer code replaced it, or its time ran out. The page reloads when the key differs from the
// one it was rendered with, so the server's view is the only place that draws a state. Woken by
// the account's add-device topic on the bus, with a deadline at the handover's expiry, keep-alives
// every 15 s and a reconnect at shutdown (PageEventStream); a final state (nothing waits any
// more: confirmed, removed, expired) ends it.
import type { Context } from 'koa';
import { addDeviceTopic } from '../events/bus.ts';
import { DEADLINE_SLACK_MS, PageEventStream } from '../events/pageEventStream.ts';
import { serveEventStream } from '../events/serveEventStream.ts';
import { clientIp, networkOf } from '../http/ip.ts';
import type { Services } from '../services.ts';
import { handoverView } from './addDeviceView.ts';

class AddDeviceStream extends PageEventStream {
  private deadlineMs: number | undefined;
  /** The state last said, so a re-read does not repeat it. */
  private lastKey = '';

  constructor(
    services: Services,
    private readonly accountId: string,
    release: () => void,
  ) {
    super(services, release);
  }

  start(): Promise<void> {
    return this.open(() => this.services.bus.subscribe(addDeviceTopic(this.accountId), () => this.readState(), () => this.readState()));
  }

  protected deadlines(nowMs: number): void {
    if (this.deadlineMs === undefined || nowMs < this.deadlineMs) return;
    this.deadlineMs = undefined;
    this.readState();
  }

  reconnect(): void {
    if (this.closed) return;
    this.body.write('event: reconnect\ndata: {}\n\n');
    this.close();
  }

  protected async catchUp(): Promise<void> {
    if (this.closed) return;
    const view = await handoverView(this.services, this.accountId);
    if (view.key !== this.lastKey) {
      this.lastKey = view.key;
      this.body.write(`event: state\ndata: ${JSON.stringify({ key: view.key, status: view.status })}\n\n`);
    }
    if (!('expiresAt' in view)) return this.close();
    this.deadlineMs = view.expiresAt * 1000 + DEADLINE_SLACK_MS;
  }
}

export async function openAddDeviceStream(ctx: Context, services: Services, accountId: string): Promise<void> {
  const release = services.streamLimits.acquire(networkOf(clientIp(ctx)));
  await serveEventStream(ctx, new AddDeviceStream(services, accountId, release));
}
