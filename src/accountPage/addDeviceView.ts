// What the add-device page shows of the account's current handover (enrollment/addDevice.ts),
// in one shape for the page, its status JSON and its event stream. `key` names the state the
// page was drawn for: a different key means "reload". It holds a digest of the eid, never the
// eid itself (a one-time capability: only the QR code and its link carry it).
import { createHash } from 'node:crypto';
import { addDeviceState, currentAddDevice } from '../enrollment/addDevice.ts';
import type { Services } from '../services.ts';
import type { Enrollment } from '../store/enrollments.ts';
import { KEY_TYPES } from './accountView.ts';

export type ShownDevice = { id: string; name: string; keyType: string };

export type HandoverView = { key: string; enrollment?: Enrollment; device?: ShownDevice } & (
  | { status: 'none' }
  | { status: 'pending' | 'enrolled'; expiresAt: number }
  | { status: 'confirmed' | 'removed' | 'expired' }
);

export async function handoverView(services: Services, accountId: string): Promise<HandoverView> {
  const enrollment = await currentAddDevice(services, accountId);
  if (!enrollment) return { key: 'none', status: 'none' };
  const state = await addDeviceState(services, enrollment);
  const device = 'device' in state && state.device ? { id: state.device.device_id, name: state.device.name, keyType: KEY_TYPES[state.device.alg] } : undefined;
  const handover = createHash('sha256').update(enrollment.eid).digest('base64url').slice(0, 16);
  const key = `${state.status}.${handover}.${device?.id ?? ''}`;
  const shown = { key, enrollment, ...(device ? { device } : {}) };
  return state.status === 'pending' || state.status === 'enrolled' ? { ...shown, status: state.status, expiresAt: state.expires_at } : { ...shown, status: state.status };
}

/** The state as the page's status call answers it: no eid, nothing the page does not show. */
export function handoverJson(view: HandoverView): Record<string, unknown> {
  return {
    key: view.key,
    status: view.status,
    ...('expiresAt' in view ? { expires_at: view.expiresAt } : {}),
    ...(view.device ? { device: { device_id: view.device.id, name: view.device.name, key_type: view.device.keyType } } : {}),
  };
}
