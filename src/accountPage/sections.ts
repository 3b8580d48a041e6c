// What other parts of Scanin add to the account page, without editing its view: each entry
// renders one view (ejs, from views/) in a slot, with the data its `load` returns plus `base`,
// `account` and `csrfToken` (for its forms). Slots:
//   'devices'   at the end of the "Your devices" section (e.g. an "Add a device" button)
//   'sections'  a section of its own after "Signed-in browsers" (e.g. recovery codes)
// Add a line below; routes of your own go under /account/… with requireAccountSession.
import type { Context } from 'koa';
import { recoverySectionData } from '../recovery/accountRecoveryCodes.ts';
import type { Services } from '../services.ts';
import type { AccountSession } from './accountSession.ts';
import { addDeviceButton } from './addDeviceRoutes.ts';

export type AccountPageSlot = 'devices' | 'sections';

export type AccountPageExtra = {
  slot: AccountPageSlot;
  /** An ejs view under views/, without `.ejs`. */
  view: string;
  load?: (services: Services, session: AccountSession, ctx: Context) => Promise<Record<string, unknown>>;
};

export const ACCOUNT_PAGE_EXTRAS: AccountPageExtra[] = [
  { slot: 'devices', view: 'account-add-device-button', load: (services, session) => addDeviceButton(services, session.account.id) },
  { slot: 'sections', view: 'recovery-account-section', load: recoverySectionData },
];

export type RenderedExtra = { view: string; data: Record<string, unknown> };

/** The extras of each slot with their data, in the order listed. */
export async function loadExtras(services: Services, session: AccountSession, ctx: Context): Promise<Record<AccountPageSlot, RenderedExtra[]>> {
  const slots: Record<AccountPageSlot, RenderedExtra[]> = { devices: [], sections: [] };
  for (const extra of ACCOUNT_PAGE_EXTRAS) {
    slots[extra.slot].push({ view: extra.view, data: (await extra.load?.(services, session, ctx)) ?? {} });
  }
  return slots;
}
