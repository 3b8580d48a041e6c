// Which device's approval each browser session came from, and so which grants (with their
// tokens and codes) that device opened. The login that just finished names its device in the
// interaction result (`login.device_id`): the adapter writes it, with the browser's address and
// user agent, into the session and the grants it stores in that request (`loginOrigin`, in the
// same statement as the payload). A session stored later keeps the device of its earlier versions
// (same `uid`, as the engine renews session ids), and grants it hands to clients then inherit it
// (`recordSessionOrigin`). Revoking a device, disabling or deleting an account then ends exactly
// these. The address and user agent are for the account page's list of sessions.
import Provider, { errors, type AdapterPayload } from 'oidc-provider';
import { deviceRefusal } from '../accounts/access.ts';
import type { Db } from '../store/db.ts';
import { findDeviceAndAccount } from '../store/devices.ts';
import { clientIpOfRequest } from '../http/ip.ts';
import { grantIdsOf } from './sessions.ts';

function loginDevice(): string | undefined {
  const deviceId = Provider.ctx?.oidc?.result?.login?.device_id;
  return typeof deviceId === 'string' ? deviceId : undefined;
}

/** Where a session came from: the approving device, and the browser's address and user agent then. */
export type Origin = { device_id: string; ip: string | null; user_agent: string | null };

/** Grants stored with the finishing login's device, by request: recordSessionOrigin leaves them be. */
const stampedGrants = new WeakMap<object, Set<string>>();

/** The browser of the request that is finishing a login (the engine's resume, from that browser). */
function loginBrowser(): Pick<Origin, 'ip' | 'user_agent'> {
  const req = Provider.ctx?.req;
  const userAgent = req?.headers['user-agent'];
  return { ip: clientIpOfRequest(req) ?? null, user_agent: typeof userAgent === 'string' && userAgent ? userAgent.slice(0, 512) : null };
}

/**
 * The origin of a login that finishes in this request (the engine's resume), for the adapter to
 * store with a `Grant` (`id`) or `Session` payload; undefined in every other request.
 */
export function loginOrigin(model: string, id: string): Origin | undefined {
  const device = loginDevice();
  if (!device) return undefined;
  if (model === 'Grant') {
    const ctx = Provider.ctx!;
    const stamped = stampedGrants.get(ctx) ?? new Set<string>();
    stampedGrants.set(ctx, stamped.add(id));
  }
  return { device_id: device, ...loginBrowser() };
}

async function earlierOrigin(db: Db, uid: string): Promise<Origin | undefined> {
  return (await db('oidc_payloads').where({ model: 'Session', uid }).whereNotNull('device_id').first('device_id', 'ip', 'user_agent')) as Origin | undefined;
}

/** The device whose approval signed in the session `uid`, if known. */
export async function sessionDevice(db: Db, uid: string): Promise<string | undefined> {
  return (await earlierOrigin(db, uid))?.device_id;
}

/**
 * Completes a session's origin once the adapter has stored it. A login's session and grants came
 * with their device (loginOrigin); what is left is a grant of the session stored in an earlier
 * request without one, and the check that the device may still sign in. A session stored with no
 * login takes its earlier versions' origin, and hands the device to its grants.
 */
export async function recordSessionOrigin(db: Db, sessionId: string, payload: AdapterPayload): Promise<void> {
  const fresh = loginDevice();
  const origin = fresh ? undefined : payload.uid ? await earlierOrigin(db, payload.uid) : undefined;
  if (origin) await db('oidc_payloads').where({ model: 'Session', id: sessionId }).update(origin);
  const deviceId = fresh ?? origin?.device_id;
  if (!deviceId) return;
  const stamped = fresh ? stampedGrants.get(Provider.ctx!) : undefined;
  const grantIds = grantIdsOf(payload).filter((id) => !stamped?.has(id));
  if (grantIds.length) {
    await db('oidc_payloads').where('model', 'Grant').whereIn('id', grantIds).whereNull('device_id').update({ device_id: deviceId });
  }
  if (!fresh) return;
  // Checked after the session is written: a revocation that began before this check finds the
  // session, one that began after it was refused here. Either way no session outlives it.
  const found = await findDeviceAndAccount(db, fresh);
  const refusal = found ? deviceRefusal(found.device, found.account) : null;
  if (!found || refusal) {
    await db('oidc_payloads').where({ model: 'Session', id: sessionId }).delete();
    // The app gets it as access_denied; where there is no app to go back to (the device grant's
    // page), the person reads it on our error page (oidc/renderError.ts).
    throw new errors.AccessDenied(
      `The phone that approved this sign-in can no longer sign in (${refusal?.message ?? 'it no longer exists'}). Start the sign-in again.`,
    );
  }
}
