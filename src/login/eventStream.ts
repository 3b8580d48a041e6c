// GET /interaction/:uid/events — the waiting browser's Server-Sent Events stream.
// It subscribes before it reads the state (so nothing falls between the two), replays a state
// the browser may have missed (scanned, approved, denied), replaces the QR code when the shown
// request expires unanswered, says `expired` when the interaction itself ends, and sends a
// comment every 15 s so proxies keep the connection open. When the bus may have lost events
// (its connection to PostgreSQL dropped), it reads the state again, once; it never polls. Its
// deadlines and keep-alives run on the instance's one shared timer (OpenStreams).
// One stream per interaction: a new one announces itself on the bus, and every older one, on any
// instance, says `replaced` and ends (the page then stops reconnecting). Each client network may
// hold at most STREAMS_PER_IP streams on an instance (streamLimits.ts).
import type { Context } from 'koa';
import { interactionTopic, type LoginEvent } from '../events/bus.ts';
import { clientIp, networkOf } from '../http/ip.ts';
import { newId } from '../ids.ts';
import { DEADLINE_SLACK_MS, PageEventStream } from '../events/pageEventStream.ts';
import { serveEventStream } from '../events/serveEventStream.ts';
import type { Services } from '../services.ts';
import type { LoginRequest } from '../store/loginRequests.ts';
import type { BrowserContext } from './loginRequests.ts';
import { approvedBy } from './approvedBy.ts';
import { browserState, liveLoginRequest } from './loginRequests.ts';
import { qrView } from './qrView.ts';

export type BrowserEvent =
  | LoginEvent
  | { type: 'qr'; data: { rid: string; url: string; svg: string; expires_at: number } }
  | { type: 'expired'; data: Record<string, never> }
  | { type: 'reconnect'; data: Record<string, never> };

const FINAL_EVENTS = new Set<BrowserEvent['type']>(['approved', 'denied', 'enrolled', 'expired', 'reconnect', 'replaced']);

async function stateEvent(services: Services, request: LoginRequest): Promise<LoginEvent | null> {
  const state = browserState(request, services.clock(), services.basePath);
  switch (state.status) {
    case 'scanned':
      return { type: 'scanned', data: {} };
    case 'approved':
      return { type: 'approved', data: { complete_url: state.complete_url, account: await approvedBy(services.db, request.account_id) } };
    case 'denied':
      return { type: 'denied', data: {} };
    default:
      return null;
  }
}

class BrowserEventStream extends PageEventStream {
  readonly id = newId();
  /** The QR code the page shows now. */
  private shownRid: string | undefined;
  /** The last login state said, so a re-read does not repeat it. */
  private lastState = '';
  private rotateAtMs: number | undefined;
  private readonly expireAtMs: number;

  constructor(
    services: Services,
    private readonly browser: BrowserContext,
    private readonly interactionExpiresAt: number,
    shownRid: string | undefined,
    release: () => void,
  ) {
    super(services, release);
    this.shownRid = shownRid;
    this.expireAtMs = interactionExpiresAt * 1000 + DEADLINE_SLACK_MS;
  }

  /** Subscribes, announces itself (older streams of the interaction end), then reads the state. */
  start(): Promise<void> {
    const topic = interactionTopic(this.browser.uid);
    return this.open(
      () => this.services.bus.subscribe(topic, (event) => this.send(event), () => this.readState()),
      () => this.services.bus.publish(topic, { type: 'replaced', data: { stream: this.id } }),
    );
  }

  send(event: BrowserEvent): void {
    if (this.closed) return;
    if (event.type === 'replaced') {
      // A newer stream of this interaction opened (its id is not ours): this one ends. The page
      // is not told which stream replaced it.
      if (event.data.stream === this.id) return;
      this.body.write('event: replaced\ndata: {}\n\n');
      return this.close();
    }
    // Only an approval pushed to this stream is timed; one read back from the database is a replay.
    if (event.type === 'approved' && event.at !== undefined) this.services.metrics.approveToBrowser.observe((Date.now() - event.at) / 1000);
    const data = JSON.stringify(event.data);
    if (event.type === 'scanned' || event.type === 'approved' || event.type === 'denied') this.lastState = `${event.type}${data}`;
    this.body.write(`event: ${event.type}\ndata: ${data}\n\n`);
    if (FINAL_EVENTS.has(event.type)) this.close();
  }

  protected deadlines(nowMs: number): void {
    if (nowMs >= this.expireAtMs) return this.send({ type: 'expired', data: {} });
    if (this.rotateAtMs !== undefined && nowMs >= this.rotateAtMs) {
      // The shown request ran out: the interaction gets a new one and the page a new QR code.
      this.rotateAtMs = undefined;
      this.readState();
    }
  }

  reconnect(): void {
    this.send({ type: 'reconnect', data: {} });
  }

  /** Says whatever the page has not heard: a new QR code, or the state of the live request. */
  protected async catchUp(): Promise<void> {
    if (this.closed) return;
    const { services } = this;
    const live = await liveLoginRequest(services, this.browser);
    if (this.shownRid === undefined) this.shownRid = live.rid;
    const open = live.status === 'pending' || live.status === 'scanned';
    if (open && live.rid !== this.shownRid) {
      this.shownRid = live.rid;
      this.send({ type: 'qr', data: qrView(services.issuer, live) });
    }
    const state = await stateEvent(services, live);
    if (state && `${state.type}${JSON.stringify(state.data)}` !== this.lastState) this.send(state);
    if (open && live.expires_at < this.interactionExpiresAt) this.rotateAtMs = live.expires_at * 1000 + DEADLINE_SLACK_MS;
  }
}

/**
 * `shownRid` is the request whose QR code the page shows (from its `rid` query parameter): if
 * that is no longer the live one, the stream starts with the replacement.
 */
export async function openEventStream(
  ctx: Context,
  services: Services,
  browser: BrowserContext,
  interactionExpiresAt: number,
  shownRid: string | undefined,
): Promise<void> {
  const release = services.streamLimits.acquire(networkOf(clientIp(ctx)));
  await serveEventStream(ctx, new BrowserEventStream(services, browser, interactionExpiresAt, shownRid, release));
}
