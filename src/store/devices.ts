// Devices bound to accounts. The server keeps the public key only.
import type { DeviceAlg, DevicePublicJwk } from '../protocol/jwk.ts';
import { joinedAccount, type Account } from './accounts.ts';
import type { Db } from './db.ts';

export type DeviceStatus = 'active' | 'pending_confirmation' | 'revoked';

export type Device = {
  id: string;
  account_id: string;
  name: string;
  alg: DeviceAlg;
  public_jwk: DevicePublicJwk;
  status: DeviceStatus;
  created_at: number;
  last_used_at: number | null;
  /** The address the device last answered a login from. */
  last_ip: string | null;
  revoked_at: number | null;
  /** Set while `pending_confirmation` (add_device): the second from which it can no longer be confirmed. */
  confirm_by: number | null;
};

type DeviceRow = Omit<Device, 'public_jwk'> & { public_jwk: string };

function fromRow(row: DeviceRow): Device {
  return { ...row, public_jwk: JSON.parse(row.public_jwk) as DevicePublicJwk };
}

export async function findDevice(db: Db, id: string): Promise<Device | undefined> {
  const row = (await db('devices').where({ id }).first()) as DeviceRow | undefined;
  return row && fromRow(row);
}

const ACCOUNT_PREFIX = 'account__';

/**
 * A device and its account in one read, for the checks that need both (accounts/access.ts) on
 * every device call and every completed login. `account` is undefined when it is gone.
 */
export async function findDeviceAndAccount(db: Db, id: string): Promise<{ device: Device; account: Account | undefined } | undefined> {
  const row = (await db('devices')
    .leftJoin('accounts', 'accounts.id', 'devices.account_id')
    .where('devices.id', id)
    .first('devices.*', ...joinedAccount.columns(ACCOUNT_PREFIX))) as (DeviceRow & Record<string, unknown>) | undefined;
  if (!row) return undefined;
  const account = joinedAccount.from(row, ACCOUNT_PREFIX);
  for (const key of Object.keys(row)) if (key.startsWith(ACCOUNT_PREFIX)) delete row[key];
  return { device: fromRow(row), account };
}

export async function listDevices(db: Db, accountId: string): Promise<Device[]> {
  const rows = (await db('devices').where({ account_id: accountId }).orderBy('created_at')) as DeviceRow[];
  return rows.map(fromRow);
}

/** Whether the account has (or had: revoked ones count) a device besides `deviceId`. */
export async function hasOtherDevice(db: Db, accountId: string, deviceId: string): Promise<boolean> {
  return (await db('devices').where({ account_id: accountId }).whereNot({ id: deviceId }).first('id')) !== undefined;
}

export async function insertDevice(db: Db, device: Omit<Device, 'last_used_at' | 'last_ip' | 'revoked_at' | 'confirm_by'> & { confirm_by?: number | null }): Promise<void> {
  await db('devices').insert({ ...device, public_jwk: JSON.stringify(device.public_jwk) });
}

export async function touchDevice(db: Db, id: string, at: number, ip: string): Promise<void> {
  await db('devices').where({ id }).update({ last_used_at: at, last_ip: ip });
}

/** Renames a device of the account; false when it has no such device. */
export async function renameDevice(db: Db, accountId: string, id: string, name: string): Promise<boolean> {
  return (await db('devices').where({ id, account_id: accountId }).update({ name })) === 1;
}

/** Revokes a device for good; returns false when there is no such live device. */
export async function revokeDevice(db: Db, id: string, at: number): Promise<boolean> {
  const changed = await db('devices').where({ id }).whereNot({ status: 'revoked' }).update({ status: 'revoked', revoked_at: at });
  return changed === 1;
}

/**
 * A device waiting for confirmation becomes `active` (confirmed) or `revoked` (rejected) in one
 * conditional update: only while it still waits and before `confirm_by`, so of a confirmation, a
 * rejection and the expiry racing, exactly one wins. False when it no longer waited.
 */
export async function settlePendingDevice(db: Db, id: string, to: 'active' | 'revoked', now: number): Promise<boolean> {
  const changed = await db('devices')
    .where({ id, status: 'pending_confirmation' })
    .andWhere('confirm_by', '>', now)
    .update(to === 'active' ? { status: 'active', confirm_by: null } : { status: 'revoked', revoked_at: now });
  return changed === 1;
}

/** The devices still waiting for a confirmation that can no longer come (confirm_by ≤ now). */
export async function listUnconfirmedExpired(db: Db, now: number): Promise<Device[]> {
  const rows = (await db('devices').where({ status: 'pending_confirmation' }).andWhere('confirm_by', '<=', now).limit(1000)) as DeviceRow[];
  return rows.map(fromRow);
}

/** pending_confirmation → revoked for one device whose confirm_by has passed; false when another got there first. */
export async function expireUnconfirmedDevice(db: Db, id: string, now: number): Promise<boolean> {
  const changed = await db('devices')
    .where({ id, status: 'pending_confirmation' })
    .andWhere('confirm_by', '<=', now)
    .update({ status: 'revoked', revoked_at: db.raw('confirm_by') });
  return changed === 1;
}
