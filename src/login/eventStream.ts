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
import { PassThrough } from 'node:stream';
import type { Context } from 'koa';
import { interactionTopic, type LoginEvent } from '../events/bus.ts';
import { clientIp, networkOf } from '../http/ip.ts';
import { newId } from '../ids.ts';
import type { OpenStream } from '../events/openStreams.ts';
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

const HEARTBEAT_MS = 15_000;
/** What a generic EventSource waits before reconnecting; the login page reconnects itself. */
const RETRY_MS = 2_000;
/**
 * Deadlines fire this long after the second they name, so the database agrees they passed: a
 * stored row's expiry can be a second later than the `exp` it was saved with, because the engine
 * computes `expiresIn` and the adapter adds it to its own clock, which may have ticked since.
 */
const DEADLINE_SLACK_MS = 1_050;
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

class BrowserEventStream implements OpenStream {
  readonly body = new PassThrough();
  readonly id = newId();
  private closed = false;
  private nextHeartbeatMs = Date.now() + HEARTBEAT_MS;
  /** The QR code the page shows now. */
  private shownRid: string | undefined;
  /** The last login state said, so a re-read does not repeat it. */
  private lastState = '';
  private rotateAtMs: number | undefined;
  private readonly expireAtMs: number;
  /** Re-reads run one after another, never two at once. */
  private reading: Promise<void> = Promise.resolve();
  private readonly detach: Array<() => void> = [];

  constructor(
    private readonly services: Services,
    private readonly browser: BrowserContext,
    private readonly interactionExpiresAt: number,
    shownRid: string | undefined,
    release: () => void,
  ) {
    this.detach.push(release);
    this.shownRid = shownRid;
    this.expireAtMs = interactionExpiresAt * 1000 + DEADLINE_SLACK_MS;
  }

  /** Subscribes, then reads the state: an event published in between is not lost. */
  async start(): Promise<void> {
    this.detach.push(
      this.services.bus.subscribe(
        interactionTopic(this.browser.uid),
        (event) => this.send(event),
        () => this.readState(),
      ),
    );
    this.body.write(`retry: ${RETRY_MS}\n\n`);
    await this.services.bus.publish(interactionTopic(this.browser.uid), { type: 'replaced', data: { stream: this.id } });
    this.reading = this.catchUp();
    await this.reading;
    if (this.closed) return;
    this.detach.push(this.services.streams.add(this));
    if (this.services.streams.isDraining) this.reconnect();
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

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const detach of this.detach) detach();
    this.body.end();
  }

  tick(nowMs: number): void {
    if (nowMs >= this.expireAtMs) return this.send({ type: 'expired', data: {} });
    if (this.rotateAtMs !== undefined && nowMs >= this.rotateAtMs) {
      // The shown request ran out: the interaction gets a new one and the page a new QR code.
      this.rotateAtMs = undefined;
      this.readState();
    }
    if (nowMs >= this.nextHeartbeatMs) {
      this.nextHeartbeatMs = nowMs + HEARTBEAT_MS;
      this.body.write(': keep-alive\n\n');
    }
  }

  reconnect(): void {
    this.send({ type: 'reconnect', data: {} });
  }

  readState(): void {
    this.reading = this.reading.then(() => this.catchUp()).catch((error: unknown) => {
      this.services.log.error({ err: error }, 'event stream failed');
      this.close();
    });
  }

  /** Says whatever the page has not heard: a new QR code, or the state of the live request. */
  private async catchUp(): Promise<void> {
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
  const stream = new BrowserEventStream(services, browser, interactionExpiresAt, shownRid, release);
  ctx.req.on('close', () => stream.close());
  ctx.req.socket.setTimeout(0);
  ctx.req.socket.setNoDelay(true);
  ctx.set({ 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-cache, no-transform', 'X-Accel-Buffering': 'no' });
  ctx.status = 200;
  ctx.body = stream.body;
  try {
    await stream.start();
  } catch (error) {
    stream.close();
    throw error;
  }
}
