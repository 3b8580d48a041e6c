// The account page (/account, under the issuer's path): a signed-in person's devices, the
// applications they let in and their signed-in browsers, with what they can do about each.
//   GET  /account                    the page
//   POST /account/devices/rename     device_id, name
//   POST /account/devices/revoke     device_id: revoked for good, what it opened is cut off (apps told)
//   POST /account/apps/revoke        client_id: its grants, tokens, codes and consent end
//   POST /account/sessions/end       session: that browser is signed out (apps told, back-channel)
//   POST /account/sessions/end-all   every browser is signed out, this one too (apps told)
// Every POST passes requireAccountSession and readAccountForm (session, CSRF token, rate
// limit); revoking a device or an app's access also requireFreshScan (a phone of the account
// approved on this browser lately: they take access away from the person for good). Rename and
// signing out do not: a name grants nothing, and signing out only takes this account's access
// away from browsers, which a person at an unlocked computer could as well do by clearing its
// cookies; asking for a scan would only slow someone getting a stolen session out. Each acts only on the signed-in account's own things (another's id is "not found" and
// changes nothing), is audited, and answers 303 back to the page, or the signed-out page when
// it ended this browser's own session.
import type Router from '@koa/router';
import type { Context } from 'koa';
import { revokeDeviceEverywhere } from '../accounts/cutOff.ts';
import { wake } from '../enrollment/addDevice.ts';
import { recordAudit, type AuditEvent } from '../audit/audit.ts';
import { parseDeviceName } from '../device/deviceName.ts';
import { clientIp } from '../http/ip.ts';
import { revokeAccountApp } from '../oidc/grants.ts';
import { endAccountSessions, endSession, listAccountSessions } from '../oidc/sessions.ts';
import { refusalPage } from '../http/refusalPage.ts';
import { doneMessage } from '../http/doneMessage.ts';
import { ProtocolError } from '../protocol/errors.ts';
import type { Services } from '../services.ts';
import { findDevice, renameDevice } from '../store/devices.ts';
import { ACCOUNT_CLIENT_ID } from './accountClient.ts';
import { mountAccountLogin } from './accountLogin.ts';
import { deliverDueLogouts } from '../oidc/backchannelLogout.ts';
import { accountSessionOf, currentAccountSession, formField, readAccountForm, renderAccountView, renderSignedOut, requireAccountSession } from './accountSession.ts';
import { accountPageData } from './accountView.ts';
import { loadExtras } from './sections.ts';
import { requireFreshScan } from './freshScan.ts';

/** What the page says after an action (`?done=`): fixed texts, never anything from the request. */
const DONE: Record<string, string> = {
  renamed: 'The device was renamed.',
  device_revoked: 'The device was revoked: it can no longer sign in, and the browsers it signed in are signed out.',
  app_revoked: 'The app no longer has access: it must ask you again.',
  session_ended: 'That browser was signed out.',
};

const notYours = (what: string) => new ProtocolError(404, 'not_found', `Your account has no such ${what}. Nothing was changed.`);

/** Headings of the account page's refusals, in its own words (the generic ones talk of "this page"). */
const REFUSAL_TITLES: Record<number, string> = {
  400: 'This change could not be made',
  403: 'This change was refused',
  404: 'Not found on your account',
  413: 'This change could not be made',
  429: 'Too many changes: please wait a moment',
};

export function mountAccountPage(router: Router, services: Services): void {
  const { db, clock } = services;
  const signedIn = [refusalPage('account-error', REFUSAL_TITLES, (error) => (error.code === 'account_disabled' ? 'This account is disabled' : undefined)), requireAccountSession(services)];
  const back = (ctx: Context, done: keyof typeof DONE, anchor: string) => {
    ctx.status = 303;
    ctx.redirect(`${services.basePath}/account?done=${done}#${anchor}`);
  };
  const audit = (ctx: Context, event: Omit<AuditEvent, 'account_id' | 'ip'>) => {
    const { account } = accountSessionOf(ctx);
    return recordAudit(services, { ...event, account_id: account.id, ip: clientIp(ctx) });
  };

  async function showPage(ctx: Context, status = 200, error: string | null = null): Promise<void> {
    const session = accountSessionOf(ctx);
    const done = doneMessage(ctx, DONE);
    await renderAccountView(ctx, 'account', {
      ...(await accountPageData(services, session)),
      extras: await loadExtras(services, session, ctx),
      done: error ? null : done,
      error,
    }, status);
  }

  mountAccountLogin(router, services);

  router.get('/account', ...signedIn, (ctx) => showPage(ctx));

  router.post('/account/devices/rename', ...signedIn, async (ctx) => {
    const { account } = accountSessionOf(ctx);
    const form = await readAccountForm(ctx, services);
    const deviceId = formField(form, 'device_id');
    const device = await findDevice(db, deviceId);
    if (!device || device.account_id !== account.id || device.status === 'revoked') throw notYours('device');
    let name: string;
    try {
      name = parseDeviceName(form.name ?? '');
    } catch {
      return showPage(ctx, 400, 'A device name must be 1 to 64 characters of visible text. The name was not changed.');
    }
    if (!(await renameDevice(db, account.id, device.id, name))) throw notYours('device');
    await audit(ctx, { event: 'device.renamed', device_id: device.id, detail: { by: 'account', name } });
    back(ctx, 'renamed', 'devices');
  });

  router.post('/account/devices/revoke', ...signedIn, requireFreshScan(services, '/account#devices'), async (ctx) => {
    const { account, sessionUid } = accountSessionOf(ctx);
    const form = await readAccountForm(ctx, services);
    const device = await findDevice(db, formField(form, 'device_id'));
    if (!device || device.account_id !== account.id) throw notYours('device');
    // The same cut-off as `scanin revoke`: answers, sessions, grants and tokens it opened.
    if (!(await revokeDeviceEverywhere(db, clock, device.id))) throw notYours('active device');
    // A device still waiting to be confirmed hears it at once, and so do the add-device pages.
    await wake(services, account.id, device.id);
    await deliverDueLogouts(services);
    await audit(ctx, { event: 'device.revoked', device_id: device.id, detail: { by: 'account' } });
    if ((await currentAccountSession(ctx, services))?.sessionUid !== sessionUid) {
      return renderSignedOut(ctx, 200, 'The device was revoked. This browser was signed in with it, so it is signed out too.');
    }
    back(ctx, 'device_revoked', 'devices');
  });

  router.post('/account/apps/revoke', ...signedIn, requireFreshScan(services, '/account#apps'), async (ctx) => {
    const { account } = accountSessionOf(ctx);
    const form = await readAccountForm(ctx, services);
    const clientId = formField(form, 'client_id');
    if (clientId === ACCOUNT_CLIENT_ID || !(await revokeAccountApp(db, account.id, clientId))) throw notYours('app');
    await audit(ctx, { event: 'app.revoked', client_id: clientId, detail: { by: 'account' } });
    back(ctx, 'app_revoked', 'apps');
  });

  router.post('/account/sessions/end', ...signedIn, async (ctx) => {
    const { account, sessionUid } = accountSessionOf(ctx);
    const form = await readAccountForm(ctx, services);
    const uid = formField(form, 'session');
    if (!(await endSession(db, uid, account.id))) throw notYours('signed-in browser');
    await deliverDueLogouts(services);
    await audit(ctx, { event: 'session.ended', detail: { by: 'account', session: uid } });
    if (uid === sessionUid) return renderSignedOut(ctx, 200, 'You signed out this browser.');
    back(ctx, 'session_ended', 'sessions');
  });

  router.post('/account/sessions/end-all', ...signedIn, async (ctx) => {
    const { account } = accountSessionOf(ctx);
    await readAccountForm(ctx, services);
    const sessions = (await listAccountSessions(db, account.id, clock())).length;
    await endAccountSessions(db, account.id);
    await deliverDueLogouts(services);
    await audit(ctx, { event: 'session.ended_everywhere', detail: { by: 'account', sessions } });
    await renderSignedOut(ctx, 200, 'You signed out everywhere: every browser signed in to your account is signed out, and the apps they signed in to must sign you in again.');
  });
}
