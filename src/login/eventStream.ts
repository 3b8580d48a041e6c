// GET /interaction/:uid/events — the waiting browser's Server-Sent Events stream.
// It subscribes before it reads the state (so nothing falls between the two), replays a state
// the browser may have missed (scanned, approved, denied), replaces the QR code when the shown
// request expires unanswered, says `expired` when the interaction itself ends, and sends a
// comment every 15 s so proxies keep the connection open.
import { PassThrough } from 'node:stream';
import type { Context } from 'koa';
import { interactionTopic, type BrowserEvent } from '../events/bus.ts';
import type { Services } from '../services.ts';
import type { LoginRequest } from '../store/loginRequests.ts';
import type { BrowserContext } from './loginRequests.ts';
import { browserState, liveLoginRequest } from './loginRequests.ts';
import { qrView } from './qrView.ts';

const HEARTBEAT_MS = 15_000;
const FINAL_EVENTS = new Set<BrowserEvent['type']>(['approved', 'denied', 'expired']);

function stateEvent(request: LoginRequest, now: number, basePath: string): BrowserEvent | null {
  const state = browserState(request, now, basePath);
  switch (state.status) {
    case 'scanned':
      return { type: 'scanned', data: { number: state.number } };
    case 'approved':
      return { type: 'approved', data: { complete_url: state.complete_url } };
    case 'denied':
      return { type: 'denied', data: {} };
    default:
      return null;
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
  const { bus, clock } = services;
  const stream = new PassThrough();
  const timers = new Set<NodeJS.Timeout>();
  let closed = false;

  const close = () => {
    if (closed) return;
    closed = true;
    unsubscribe();
    for (const timer of timers) clearTimeout(timer);
    clearInterval(heartbeat);
    stream.end();
  };
  const send = (event: BrowserEvent) => {
    if (closed) return;
    stream.write(`event: ${event.type}\ndata: ${JSON.stringify(event.data)}\n\n`);
    if (FINAL_EVENTS.has(event.type)) close();
  };
  const at = (epochSeconds: number, task: () => Promise<void>) => {
    const timer = setTimeout(() => {
      timers.delete(timer);
      task().catch((error: unknown) => {
        console.error('[scanin] event stream:', error);
        close();
      });
    }, Math.max(0, epochSeconds * 1000 - Date.now()) + 50);
    timers.add(timer);
  };

  const unsubscribe = bus.subscribe(interactionTopic(browser.uid), send);
  const heartbeat = setInterval(() => stream.write(': keep-alive\n\n'), HEARTBEAT_MS);
  ctx.req.on('close', close);

  const watch = (request: LoginRequest) => {
    if (request.expires_at < interactionExpiresAt) at(request.expires_at, rotate(request));
  };
  // When the shown request runs out unanswered, the interaction gets a new one and the page a new QR.
  const rotate = (shown: LoginRequest) => async () => {
    const live = await liveLoginRequest(services, browser);
    if (live.status !== 'pending' && live.status !== 'scanned') {
      // Answered just before it ran out (the event may have gone to another instance): say so.
      send(stateEvent(live, clock(), services.basePath)!);
      return;
    }
    if (live.rid !== shown.rid) send({ type: 'qr', data: await qrView(services.issuer, live) });
    watch(live);
  };

  ctx.req.socket.setTimeout(0);
  ctx.req.socket.setNoDelay(true);
  ctx.set({ 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-cache, no-transform', 'X-Accel-Buffering': 'no' });
  ctx.status = 200;
  ctx.body = stream;
  stream.write(`retry: 2000\n\n`);

  const current = await liveLoginRequest(services, browser);
  if (shownRid && current.rid !== shownRid) send({ type: 'qr', data: await qrView(services.issuer, current) });
  const missed = stateEvent(current, clock(), services.basePath);
  if (missed) send(missed);
  watch(current);
  at(interactionExpiresAt, async () => send({ type: 'expired', data: {} }));
}
