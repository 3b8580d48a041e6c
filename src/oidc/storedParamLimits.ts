// Length limits on what the engine stores from anonymous requests. An interaction keeps the
// authorization request's parameters and a session its logout `state` for as long as they
// live; without limits one request could park kilobytes of chosen text in the database. Checked
// in the adapter, the one place every stored payload passes, so no endpoint can forget it.
import { errors, type AdapterPayload } from 'oidc-provider';

/** Most parameters are short (ids, URLs, nonces, state). */
export const PARAM_MAX = 2048;
/** Signed objects (an ID token hint, a request object, claims) run longer. */
const LONG_PARAMS = new Set(['id_token_hint', 'request', 'claims', 'authorization_details']);
export const LONG_PARAM_MAX = 8192;

function check(name: string, value: unknown): void {
  if (typeof value !== 'string') return;
  const max = LONG_PARAMS.has(name) ? LONG_PARAM_MAX : PARAM_MAX;
  if (value.length > max) throw new errors.InvalidRequest(`${name} must be at most ${max} characters`);
}

export function checkStoredParams(payload: AdapterPayload): void {
  for (const [name, value] of Object.entries(payload.params ?? {})) check(name, value);
  const state = (payload as { state?: Record<string, unknown> }).state;
  if (state && typeof state === 'object') for (const [name, value] of Object.entries(state)) check(name, value);
}
