// `scanin devices …` (and the `scanin revoke` shortcut): list an account's devices, revoke one.
import { systemClock } from '../clock.ts';
import { revokeDeviceEverywhere } from '../accounts/cutOff.ts';
import { findDevice, listDevices } from '../store/devices.ts';
import { auditAdmin, formatTime, JSON_OPTION, printList, requireAccount, withDatabase, type Command, type CommandGroup } from './shared.ts';

export const revoke: Command = {
  summary: 'revoke a device for good and end what it opened',
  usage: `Usage: scanin revoke <device_id>
       scanin devices revoke <device_id>

The device can no longer answer, and the browser sessions its approvals created end at once,
with their apps' access and refresh tokens. Its user needs a new invite to enroll again.
A device_id may begin with "-": it is read as the device_id all the same (or write -- before it).`,
  positionals: 1,
  options: {},
  async run([deviceId]) {
    const revoked = await withDatabase(async (db, config) => {
      const device = await findDevice(db, deviceId!);
      if (!device || !(await revokeDeviceEverywhere(db, systemClock, deviceId!))) return false;
      await auditAdmin(db, config, { event: 'device.revoked', account_id: device.account_id, device_id: device.id, detail: { by: 'admin' } });
      return true;
    });
    if (!revoked) throw new Error(`no active device ${deviceId}`);
    console.log(`revoked ${deviceId}`);
    return 0;
  },
};

export const devices: CommandGroup = {
  summary: 'devices: list, revoke',
  subcommands: {
    list: {
      summary: "list an account's devices",
      usage: 'Usage: scanin devices list <email|sub> [--json]\n\nThe devices bound to the account: device_id, name, algorithm, status, enrolled, last use, last IP.',
      positionals: 1,
      options: JSON_OPTION,
      async run([who], values) {
        const { account, rows } = await withDatabase(async (db) => {
          const account = await requireAccount(db, who!);
          return { account, rows: (await listDevices(db, account.id)).map(({ public_jwk: _key, ...device }) => device) };
        });
        printList(rows, values, (d) => `${d.id}\t${d.name}\t${d.alg}\t${d.status}\tenrolled ${formatTime(d.created_at)}\tlast used ${formatTime(d.last_used_at)}\t${d.last_ip ?? '-'}`, `${account.email} has no devices yet`);
        return 0;
      },
    },
    revoke,
  },
};
