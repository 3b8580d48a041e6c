// GET /device/v1/inbox[?wait=N] — the sign-ins waiting for this device's account that no browser
// shows (CIBA), authenticated by the device (`Authorization: Scanin`, act "inbox"). With `wait`
// (1–30 s) it is a long poll: an empty inbox answers when a request arrives or the time is up.
// Each entry names a login request the phone then reads and answers as a scanned QR code.
// Polls count against the client's address (inbox_ip) and, once signed, the device (inbox_device).
import type Router from '@koa/router';
import { inboxTopic } from '../events/bus.ts';
import { loginUrl } from '../protocol/urls.ts';
import type { Services } from '../services.ts';
import { pendingBackchannelRequests, type LoginRequest } from '../store/loginRequests.ts';
import { authenticateDeviceRequest } from './authenticateDeviceRequest.ts';
import { parseWait, topicWaiter } from './longPoll.ts';

export const INBOX_PATH = '/device/v1/inbox';

export function mountInboxRoutes(router: Router, services: Services): void {
  const { db, provider } = services;

  async function entries(accountId: string): Promise<LoginRequest[]> {
    return pendingBackchannelRequests(db, accountId, services.clock());
  }

  router.get(INBOX_PATH, async (ctx) => {
    const { device } = await authenticateDeviceRequest(ctx, services, { act: 'inbox', path: INBOX_PATH, limits: { ip: 'inbox_ip', device: 'inbox_device' } });
    const wait = parseWait(ctx.query.wait);
    const waiter = wait > 0 ? topicWaiter(ctx, services, inboxTopic(device.account_id), wait * 1000) : undefined;
    let requests: LoginRequest[];
    try {
      requests = await entries(device.account_id);
      if (waiter && requests.length === 0) {
        await waiter.arrived;
        requests = await entries(device.account_id);
      }
    } finally {
      waiter?.cancel();
    }
    const views = [];
    for (const request of requests) {
      const client = await provider.Client.find(request.client_id);
      views.push({
        rid: request.rid,
        url: loginUrl(services.issuer, request.rid),
        // Whose sign-in it is: always the polling key's own account (only its requests are
        // listed), so a phone with several accounts here knows which key answers, and no
        // reader learns an account it does not hold (the GET names it only as account_hint).
        sub: device.account_id,
        client: { client_id: request.client_id, name: client?.clientName ?? request.client_id },
        binding_message: request.binding_message ?? null,
        expires_at: request.expires_at,
      });
    }
    ctx.body = { requests: views };
  });
}
