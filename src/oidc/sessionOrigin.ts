// Which device's approval each browser session came from, and so which grants (with their
// tokens and codes) that device opened. The adapter calls `recordSessionOrigin` whenever the
// engine stores a session: the login that just finished names its device in the interaction
// result (`login.device_id`); a session stored later keeps the device of its earlier versions
// (same `uid`, as the engine renews session ids); the grants a session hands to clients inherit
// its device. Revoking a device, disabling or deleting an account then ends exactly these.
import Provider, { errors, type AdapterPayload } from 'oidc-provider';
import { deviceRefusal } from '../accounts/access.ts';
import type { Db } from '../store/db.ts';
import { findDevice } from '../store/devices.ts';
import { grantIdsOf } from './sessions.ts';

function loginDevice(): string | undefined {
  const deviceId = Provider.ctx?.oidc?.result?.login?.device_id;
  return typeof deviceId === 'string' ? deviceId : undefined;
}

/** The device whose approval signed in the session `uid`, if known. */
export async function sessionDevice(db: Db, uid: string): Promise<string | undefined> {
  const row = (await db('oidc_payloads').where({ model: 'Session', uid }).whereNotNull('device_id').first('device_id')) as { device_id: string } | undefined;
  return row?.device_id;
}

export async function recordSessionOrigin(db: Db, sessionId: string, payload: AdapterPayload): Promise<void> {
  const fresh = loginDevice();
  const deviceId = fresh ?? (payload.uid ? await sessionDevice(db, payload.uid) : undefined);
  if (!deviceId) return;
  await db('oidc_payloads').where({ model: 'Session', id: sessionId }).update({ device_id: deviceId });
  const grantIds = grantIdsOf(payload);
  if (grantIds.length) {
    await db('oidc_payloads').where('model', 'Grant').whereIn('id', grantIds).whereNull('device_id').update({ device_id: deviceId });
  }
  if (!fresh) return;
  // Checked after the session is written: a revocation that began before this check finds the
  // session, one that began after it was refused here. Either way no session outlives it.
  const device = await findDevice(db, fresh);
  const refusal = device ? await deviceRefusal(db, device) : null;
  if (!device || refusal) {
    await db('oidc_payloads').where({ model: 'Session', id: sessionId }).delete();
    throw new errors.AccessDenied(refusal?.message ?? 'the device that approved this sign-in no longer exists');
  }
}

