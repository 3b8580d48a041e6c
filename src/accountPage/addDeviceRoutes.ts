// Adding a device from the account page, the browser's half of the two-step handover
// (enrollment/addDevice.ts does the rest):
//   POST /account/add-device          starts a handover: a new add_device enrollment (the older
//                                     open one of the account is cancelled) → 303 to the page
//   GET  /account/add-device          the page: the QR code of {issuer}/e/{eid} while it waits;
//                                     "Joe's iPad — is this yours?" with Confirm and "No, remove
//                                     it" once a device enrolled with it; then what came of it
//   GET  /account/add-device/status   the same state as JSON (addDeviceView.ts)
//   GET  /account/add-device/events   Server-Sent Events: the state, at once when it changes
//   POST /account/add-device/confirm  device_id: the waiting device becomes active
//   POST /account/add-device/reject   device_id: the waiting device is revoked
// Every route needs the account page's session (requireAccountSession); starting and confirming
// also need a fresh scan (freshScan.ts: together they bind a new key to the account); every POST passes
// readAccountForm (CSRF token, same origin, the account's rate limit) and changes only the
// signed-in account's own handover: another account's device is "not found" and changes
// nothing. A confirmation or rejection that comes too late (the device was already confirmed
// or removed, or its time ran out) changes nothing and answers 409 with the page as it is.
// The eid never appears in these URLs: the account has one current handover.
import type Router from '@koa/router';
import type { Context } from 'koa';
import { AddDeviceRefused, addDeviceOf, settleAddedDevice, startAddDevice } from '../enrollment/addDevice.ts';
import { clientIp } from '../http/ip.ts';
import { qrSvg } from '../login/qr.ts';
import { ProtocolError } from '../protocol/errors.ts';
import { enrollmentUrl } from '../protocol/urls.ts';
import type { Services } from '../services.ts';
import { accountSessionOf, readAccountForm, renderAccountView, requireAccountSession } from './accountSession.ts';
import { openAddDeviceStream } from './addDeviceEvents.ts';
import { requireFreshScan } from './freshScan.ts';
import { handoverJson, handoverView, type HandoverView } from './addDeviceView.ts';

export const ADD_DEVICE_PATH = '/account/add-device';

const DEVICE_ID = /^[A-Za-z0-9_-]{1,64}$/;

/** Said when a Confirm or "No, remove it" found the device no longer waiting. */
const TOO_LATE: Record<HandoverView['status'], string> = {
  none: 'There is no device waiting for your confirmation. Nothing was changed.',
  pending: 'There is no device waiting for your confirmation. Nothing was changed.',
  enrolled: 'Nothing was changed.',
  confirmed: 'This device was already confirmed. Nothing was changed.',
  removed: 'This device was already removed. Nothing was changed.',
  expired: 'The time to confirm this device is over: it was removed. Nothing was changed.',
};

export function mountAddDevicePage(router: Router, services: Services): void {
  const signedIn = requireAccountSession(services);
  const page = `${services.basePath}${ADD_DEVICE_PATH}`;

  async function showPage(ctx: Context, status = 200, notice: string | null = null): Promise<void> {
    const { account } = accountSessionOf(ctx);
    const view = await handoverView(services, account.id);
    const url = view.status === 'pending' ? enrollmentUrl(services.issuer, view.enrollment!.eid) : null;
    await renderAccountView(ctx, 'account-add-device', {
      view,
      url,
      svg: url ? await qrSvg(url) : null,
      until: 'expiresAt' in view ? new Date(view.expiresAt * 1000).toISOString() : null,
      notice,
    }, status);
  }

  router.get(ADD_DEVICE_PATH, signedIn, (ctx) => showPage(ctx));

  router.post(ADD_DEVICE_PATH, signedIn, requireFreshScan(services, ADD_DEVICE_PATH), async (ctx) => {
    const { account } = accountSessionOf(ctx);
    await readAccountForm(ctx, services);
    try {
      await startAddDevice(services, account.id, clientIp(ctx));
    } catch (error) {
      if (error instanceof AddDeviceRefused) throw new ProtocolError(403, 'account_disabled', error.message);
      throw error;
    }
    ctx.status = 303;
    ctx.redirect(page);
  });

  router.get(`${ADD_DEVICE_PATH}/status`, signedIn, async (ctx) => {
    ctx.set('Cache-Control', 'no-store');
    ctx.body = handoverJson(await handoverView(services, accountSessionOf(ctx).account.id));
  });

  router.get(`${ADD_DEVICE_PATH}/events`, signedIn, (ctx) => openAddDeviceStream(ctx, services, accountSessionOf(ctx).account.id));

  for (const decision of ['confirm', 'reject'] as const) {
    // Confirming hands the account to a device; removing a stranger's device must stay quick.
    const checks = decision === 'confirm' ? [signedIn, requireFreshScan(services, ADD_DEVICE_PATH)] : [signedIn];
    router.post(`${ADD_DEVICE_PATH}/${decision}`, ...checks, async (ctx) => {
      const { account } = accountSessionOf(ctx);
      const form = await readAccountForm(ctx, services);
      const deviceId = form.device_id ?? '';
      if (!DEVICE_ID.test(deviceId)) throw new ProtocolError(400, 'invalid_request', 'The form must name the device (device_id). Nothing was changed.');
      const enrollment = await addDeviceOf(services, deviceId, account.id);
      if (!enrollment) throw new ProtocolError(404, 'not_found', 'Your account has no device added with this id. Nothing was changed.');
      const { changed, state } = await settleAddedDevice(services, enrollment, decision, clientIp(ctx));
      if (!changed) return showPage(ctx, 409, TOO_LATE[state.status]);
      ctx.status = 303;
      ctx.redirect(page);
    });
  }
}

/** The account page's "Add a device" (sections.ts): the button, and a word when a device waits. */
export async function addDeviceButton(services: Services, accountId: string): Promise<Record<string, unknown>> {
  const view = await handoverView(services, accountId);
  return { waiting: view.status === 'enrolled' ? view.device!.name : null, showing: view.status === 'pending' };
}
