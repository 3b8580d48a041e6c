// `scanin groups …`: create, list, delete, add, remove, members. Memberships may be time-boxed
// (--until a time, or --for an age): they stop counting by themselves at that moment.
import { systemClock } from '../clock.ts';
import { parseAge, parseIsoTime } from '../text/timeInput.ts';
import { addMember, createGroup, deleteGroup, listGroups, listMembers, removeMember, requireGroup } from '../store/groups.ts';
import { auditAdmin, formatTime, JSON_OPTION, printList, requireAccount, withDatabase, type CommandGroup, type Values } from './shared.ts';

/** --until (an ISO time) or --for (30m, 12h, 90d): when a membership ends; null: never. */
export function membershipEnd(values: Values, now: number): number | null {
  if (typeof values.until === 'string' && typeof values.for === 'string') throw new Error('give --until or --for, not both');
  if (typeof values.for === 'string') {
    const age = parseAge(values.for);
    if (age === null) throw new Error(`--for: expected a duration such as 30m, 12h or 90d, got "${values.for}"`);
    return now + age;
  }
  if (typeof values.until === 'string') {
    const time = parseIsoTime(values.until);
    if (time === null) throw new Error(`--until: expected an ISO date or time (2027-01-31, 2027-01-31T18:00:00Z), got "${values.until}"`);
    return time;
  }
  return null;
}

export const groups: CommandGroup = {
  summary: 'groups: create, list, delete, add, remove, members',
  subcommands: {
    create: {
      summary: 'create a group, optionally inside a top-level one',
      usage: 'Usage: scanin groups create <name> [--parent <group>] [--json]\n\nA name is 1 to 64 letters, digits, ".", "_", "-" or spaces (inside it: quote it). Members of a group with a parent are in the parent too (one level).',
      positionals: 1,
      options: { parent: { type: 'string' }, ...JSON_OPTION },
      async run([name], values) {
        const group = await withDatabase(async (db, config) => {
          const created = await createGroup(db, systemClock(), name!, typeof values.parent === 'string' ? values.parent : undefined);
          await auditAdmin(db, config, { event: 'admin.group_created', detail: { group: created.name, parent: created.parent_id === null ? null : String(values.parent) } });
          return created;
        });
        console.log(values.json ? JSON.stringify(group, null, 2) : `created group ${group.name}${values.parent ? ` in ${values.parent}` : ''}`);
        return 0;
      },
    },
    list: {
      summary: 'list groups',
      usage: 'Usage: scanin groups list [--json]\n\nEvery group: name, parent, number of members (expired memberships included until removed).',
      positionals: 0,
      options: JSON_OPTION,
      async run(_args, values) {
        const rows = await withDatabase((db) => listGroups(db));
        printList(rows.map(({ name, parent, members, created_at }) => ({ name, parent, members, created_at })), values, (row) => `${row.name}\tparent=${row.parent ?? '-'}\tmembers=${row.members}`, 'no groups yet: create one with "scanin groups create <name>"');
        return 0;
      },
    },
    delete: {
      summary: 'delete a group and its memberships',
      usage: 'Usage: scanin groups delete <name>\n\nRefused while subgroups are in it.',
      positionals: 1,
      options: {},
      async run([name]) {
        await withDatabase(async (db, config) => {
          await deleteGroup(db, name!);
          await auditAdmin(db, config, { event: 'admin.group_deleted', detail: { group: name! } });
        });
        console.log(`deleted group ${name}`);
        return 0;
      },
    },
    add: {
      summary: 'add an account to a group (or renew its membership)',
      usage: 'Usage: scanin groups add <group> <email|sub> [--until <ISO time> | --for <30m|12h|90d>]\n\nWithout --until or --for the membership lasts until removed.',
      positionals: 2,
      options: { until: { type: 'string' }, for: { type: 'string' } },
      async run([name, who], values) {
        const said = await withDatabase(async (db, config) => {
          const now = systemClock();
          const expiresAt = membershipEnd(values, now);
          const group = await requireGroup(db, name!);
          const account = await requireAccount(db, who!);
          await addMember(db, now, group.id, account.id, expiresAt);
          await auditAdmin(db, config, { event: 'admin.group_member_added', account_id: account.id, detail: { group: group.name, email: account.email, expires_at: expiresAt } });
          return `${account.email} is in ${group.name}${expiresAt === null ? '' : ` until ${formatTime(expiresAt)}`}`;
        });
        console.log(said);
        return 0;
      },
    },
    remove: {
      summary: 'remove an account from a group',
      usage: 'Usage: scanin groups remove <group> <email|sub>',
      positionals: 2,
      options: {},
      async run([name, who]) {
        await withDatabase(async (db, config) => {
          const group = await requireGroup(db, name!);
          const account = await requireAccount(db, who!);
          if (!(await removeMember(db, group.id, account.id))) throw new Error(`${account.email} is not in ${group.name}`);
          await auditAdmin(db, config, { event: 'admin.group_member_removed', account_id: account.id, detail: { group: group.name, email: account.email } });
        });
        console.log(`removed ${who} from ${name}`);
        return 0;
      },
    },
    members: {
      summary: "list a group's members",
      usage: "Usage: scanin groups members <group> [--json]\n\nEach direct member: email, name, since when, until when (- : no end; expired ones are marked).",
      positionals: 1,
      options: JSON_OPTION,
      async run([name], values) {
        const now = systemClock();
        const rows = await withDatabase(async (db) => listMembers(db, (await requireGroup(db, name!)).id));
        printList(rows, values, (row) => `${row.email}\t${row.name}\tsince ${formatTime(row.added_at)}\tuntil ${formatTime(row.expires_at)}${row.expires_at !== null && row.expires_at <= now ? '\texpired' : ''}`, `no members in ${name}`);
        return 0;
      },
    },
  },
};
