// GET and PUT /device/v1/vault — the device's own encrypted notebook. The server keeps one opaque
// blob per device and never holds a key to it. Every call is authenticated by the device
// (`Authorization: Scanin`, act "vault"). A PUT names the version it replaces: a stale one is
// refused with 409 and the current version, so no write is ever lost silently.
// Both count against the client's address first (vault_ip, 429) and, once the signature is
// checked, against the device (vault_device, 429): another device's key cannot use up its quota.
// PUT: body size (413) → authentication (401, 403) → body JSON {version, data} (400) →
// one conditional write (exactly one of concurrent writes on the same version wins; 409).
import type Router from '@koa/router';
import { invalidRequest, vaultConflict } from '../protocol/errors.ts';
import type { Services } from '../services.ts';
import { findVault, writeVault } from '../store/vaults.ts';
import { authenticateDeviceRequest } from './authenticateDeviceRequest.ts';
import { parseJsonObject } from './body.ts';

export const VAULT_PATH = '/device/v1/vault';
const VAULT_LIMITS = { ip: 'vault_ip', device: 'vault_device' } as const;
const BASE64URL = /^[A-Za-z0-9_-]+$/;

function parseVaultWrite(body: Record<string, unknown>): { version: number; data: string } {
  const { version, data } = body;
  if (typeof version !== 'number' || !Number.isSafeInteger(version) || version < 0) {
    throw invalidRequest(`"version" must be the version being replaced, a whole number ≥ 0 (0: no vault yet), got ${JSON.stringify(version)}`);
  }
  if (typeof data !== 'string' || !BASE64URL.test(data)) throw invalidRequest('"data" must be a non-empty base64url string (the encrypted vault)');
  return { version, data };
}

export function mountVaultRoutes(router: Router, services: Services): void {
  const { db } = services;

  router.get(VAULT_PATH, async (ctx) => {
    const { device } = await authenticateDeviceRequest(ctx, services, { act: 'vault', path: VAULT_PATH, limits: VAULT_LIMITS });
    const vault = await findVault(db, device.id);
    ctx.body = vault ? { version: vault.version, data: vault.data, updated_at: vault.updated_at } : { version: 0, data: null, updated_at: null };
  });

  router.put(VAULT_PATH, async (ctx) => {
    const { device, body, now } = await authenticateDeviceRequest(ctx, services, { act: 'vault', path: VAULT_PATH, limits: VAULT_LIMITS });
    const write = parseVaultWrite(parseJsonObject(ctx, body));
    if (!(await writeVault(db, device.id, write.version, write.data, now))) {
      throw vaultConflict((await findVault(db, device.id))?.version ?? 0);
    }
    ctx.body = { version: write.version + 1, updated_at: now };
  });
}
