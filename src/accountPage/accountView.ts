// What the account page shows, as plain data for views/account.ejs: the person's devices, the
// applications they let in and their signed-in browsers, in words and times a person reads.
import type { Services } from '../services.ts';
import { listAccountApps } from '../oidc/grants.ts';
import { listAccountSessions } from '../oidc/sessions.ts';
import type { DeviceAlg } from '../protocol/jwk.ts';
import { listDevices, type Device } from '../store/devices.ts';
import { cleanText, TEXT_LIMITS } from '../text/cleanText.ts';
import { ACCOUNT_CLIENT_ID } from './accountClient.ts';
import { describeUserAgent } from '../webapp/client/userAgent.ts';
import type { AccountSession } from './accountSession.ts';

/**
 * A moment as a page shows it: in words relative to now (`relative`), or as a date and time in
 * UTC that says so; exactly (UTC) for `title` and `datetime`. In the browser,
 * views/assets/local-time.js puts the date and the title in the viewer's own time zone.
 */
export type When = { text: string; iso: string; exact: string; relative: boolean };

const UNITS: Array<[number, string]> = [[86400, 'day'], [3600, 'hour'], [60, 'minute']];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** Pure: `at` and `now` in epoch seconds. */
export function when(at: number, now: number): When {
  const date = new Date(at * 1000);
  const iso = date.toISOString().replace(/\.\d{3}Z$/, 'Z');
  const exact = `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
  const ago = now - at;
  if (ago < 0) return { text: exact, iso, exact, relative: false };
  if (ago < 60) return { text: 'just now', iso, exact, relative: true };
  if (ago < 14 * 86400) {
    const [size, unit] = UNITS.find(([seconds]) => ago >= seconds)!;
    const count = Math.floor(ago / size);
    return { text: `${count} ${unit}${count === 1 ? '' : 's'} ago`, iso, exact, relative: true };
  }
  return { text: `${date.getUTCDate()} ${MONTHS[date.getUTCMonth()]} ${date.getUTCFullYear()}, ${iso.slice(11, 16)} UTC`, iso, exact, relative: false };
}

export const KEY_TYPES: Record<DeviceAlg, string> = { ES256: 'ECDSA P-256 (ES256)', EdDSA: 'Ed25519 (EdDSA)' };

const STATUS_TEXT: Record<Device['status'], string> = {
  active: 'Active',
  pending_confirmation: 'Waiting for confirmation',
  revoked: 'Revoked',
};

export type DeviceView = {
  id: string;
  name: string;
  keyType: string;
  status: Device['status'];
  statusText: string;
  added: When;
  lastUsed: When | null;
  lastIp: string | null;
  /** Where that address is, roughly (GEOIP_DB), when known. */
  lastPlace: string | null;
  revoked: When | null;
  /** This browser was signed in by this device's approval. */
  signedInThisBrowser: boolean;
};

const SCOPE_TEXT: Record<string, string> = {
  openid: 'who you are on Scanin',
  email: 'your email address',
  profile: 'your name',
  offline_access: 'access while you are away',
};

export type AppView = { clientId: string; name: string; shares: string[]; since: When | null; signIns: number };

export type SessionView = {
  uid: string;
  signedIn: When | null;
  expires: When | null;
  deviceName: string | null;
  apps: string[];
  current: boolean;
  /** The browser when it signed in: "Firefox on Linux", its address and where that is, when known. */
  browser: string | null;
  ip: string | null;
  place: string | null;
};

export type AccountPageData = { devices: DeviceView[]; revokedDevices: DeviceView[]; apps: AppView[]; sessions: SessionView[] };

async function clientName(services: Services, clientId: string): Promise<string> {
  const client = await services.provider.Client.find(clientId).catch(() => undefined);
  return cleanText(client?.clientName ?? clientId, TEXT_LIMITS.clientName);
}

export async function accountPageData(services: Services, session: AccountSession): Promise<AccountPageData> {
  const { db, clock } = services;
  const now = clock();
  const accountId = session.account.id;
  const devices = await listDevices(db, accountId);
  const deviceViews = devices.map((device): DeviceView => ({
    id: device.id,
    name: cleanText(device.name, TEXT_LIMITS.deviceName),
    keyType: KEY_TYPES[device.alg] ?? device.alg,
    status: device.status,
    statusText: STATUS_TEXT[device.status],
    added: when(Number(device.created_at), now),
    lastUsed: device.last_used_at === null ? null : when(Number(device.last_used_at), now),
    lastIp: device.last_ip,
    lastPlace: device.last_ip ? services.places(device.last_ip) ?? null : null,
    revoked: device.revoked_at === null ? null : when(Number(device.revoked_at), now),
    signedInThisBrowser: device.id === session.deviceId,
  }));
  const names = new Map<string, string>();
  const nameOf = async (clientId: string) => {
    if (!names.has(clientId)) names.set(clientId, await clientName(services, clientId));
    return names.get(clientId)!;
  };
  // The account page itself is no application the person let in: it is Scanin.
  const apps: AppView[] = [];
  for (const app of await listAccountApps(db, accountId, now)) {
    if (app.clientId === ACCOUNT_CLIENT_ID) continue;
    apps.push({
      clientId: app.clientId,
      name: await nameOf(app.clientId),
      shares: app.scopes.map((scope) => SCOPE_TEXT[scope] ?? `access to “${scope}”`),
      since: app.since === null ? null : when(app.since, now),
      signIns: app.grants,
    });
  }
  const deviceNames = new Map(devices.map((device) => [device.id, cleanText(device.name, TEXT_LIMITS.deviceName)]));
  const sessions: SessionView[] = [];
  for (const row of await listAccountSessions(db, accountId, now)) {
    const appNames: string[] = [];
    for (const clientId of row.clients) if (clientId !== ACCOUNT_CLIENT_ID) appNames.push(await nameOf(clientId));
    sessions.push({
      uid: row.uid,
      signedIn: row.login_at === null ? null : when(row.login_at, now),
      expires: row.expires_at === null ? null : when(Number(row.expires_at), now),
      deviceName: row.device_id ? deviceNames.get(row.device_id) ?? null : null,
      apps: appNames,
      current: row.uid === session.sessionUid,
      browser: row.user_agent ? describeUserAgent(row.user_agent) : null,
      ip: row.ip,
      place: row.ip ? services.places(row.ip) ?? null : null,
    });
  }
  // This browser first: it is the one a person recognises.
  sessions.sort((a, b) => Number(b.current) - Number(a.current));
  return {
    devices: deviceViews.filter((device) => device.status !== 'revoked'),
    revokedDevices: deviceViews.filter((device) => device.status === 'revoked'),
    apps,
    sessions,
  };
}
