// The administration commands as an administrator runs them: real `npx scanin` processes against
// the database of a running Scanin, with the reference authenticator as the phone and an HTTP
// client as the browser. Every listing has --json for scripts; every refusal changes nothing.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Authenticator, DeviceApiError } from '../../src/authenticator/authenticator.ts';
import { runCli, type CliResult } from '../helpers/cli.ts';
import { authorizationRequest, discover } from '../helpers/rp.ts';
import { openLoginPage } from '../helpers/login.ts';
import { startTestScanin, type TestScanin } from '../helpers/scanin.ts';

// Each command is a process of its own, and each takes seconds to start on a loaded machine.
const MANY_PROCESSES = 240_000;
type Result = CliResult;

describe('scanin administration', () => {
  let scanin: TestScanin;

  beforeAll(async () => {
    scanin = await startTestScanin();
  });
  afterAll(async () => {
    await scanin?.close();
  });

  const cli = (...args: string[]): Promise<Result> => runCli(scanin, ...args);

  async function json<T>(...args: string[]): Promise<T> {
    const result = await cli(...args, '--json');
    expect(result.code, result.stderr).toBe(0);
    return JSON.parse(result.stdout) as T;
  }

  const lastLine = (result: Result) => result.stdout.trim().split('\n').at(-1)!;
  const phone = (name: string) => new Authenticator({ keysFile: join(scanin.dir, `${name}.json`) });
  const refusal = (promise: Promise<unknown>) => promise.then(() => null, (error: unknown) => error as DeviceApiError);

  type User = { sub: string; email: string; name: string; status: string; email_verified: boolean; active_devices: number };

  it('creates, lists, shows, renames and re-addresses users; the sub never changes', async () => {
    const created = await cli('users', 'create', 'Ivy@Example.com', '--name', 'Ivy Ives');
    expect(created.code, created.stderr).toBe(0);
    expect((await cli('users', 'create', 'ivy@example.com')).stderr).toContain('ivy@example.com already has an account');

    const [ivy] = (await json<User[]>('users', 'list')).filter((user) => user.email === 'ivy@example.com');
    expect(ivy).toMatchObject({ name: 'Ivy Ives', status: 'active', email_verified: false, active_devices: 0 });

    expect((await cli('users', 'rename', 'ivy@example.com', 'Ivy Q. Ives')).code).toBe(0);
    expect((await cli('users', 'email', 'ivy@example.com', 'ivy.ives@example.org', '--email-verified')).code).toBe(0);
    const shown = await json<User & { devices: unknown[]; sessions: unknown[] }>('users', 'show', ivy!.sub);
    expect(shown).toMatchObject({ sub: ivy!.sub, email: 'ivy.ives@example.org', email_verified: true, name: 'Ivy Q. Ives', devices: [], sessions: [] });

    // Refused, and nothing changed: a taken email, a name that does not display as itself, no such account.
    await cli('users', 'create', 'jack@example.com');
    const taken = await cli('users', 'email', 'jack@example.com', 'ivy.ives@example.org');
    expect({ code: taken.code, stderr: taken.stderr }).toMatchObject({ code: 1, stderr: expect.stringContaining('already belongs to another account') });
    const hidden = await cli('users', 'rename', ivy!.sub, 'Ivy\u202eseviI');
    expect(hidden.code).toBe(1);
    expect((await cli('users', 'show', 'nobody@example.com')).stderr).toContain('no account nobody@example.com');
    expect(await json<User>('users', 'show', 'ivy.ives@example.org')).toMatchObject({ name: 'Ivy Q. Ives' });
    expect(await json<User>('users', 'show', 'jack@example.com')).toMatchObject({ email: 'jack@example.com' });
  }, MANY_PROCESSES);

  it('a new invite cancels the earlier open one; invites can be listed and cancelled', async () => {
    const first = await cli('invite', 'kim@example.com', '--name', 'Kim');
    const second = await cli('invites', 'create', 'kim@example.com', '--name', 'Kim Kaur');
    expect(second.code, second.stderr).toBe(0);
    expect(second.stdout).toContain('renamed kim@example.com: "Kim" → "Kim Kaur"');
    expect(second.stdout).toContain('cancelled 1 earlier invite(s)');

    type Invite = { eid: string; email: string; kind: string };
    const open = (await json<Invite[]>('invites', 'list')).filter((invite) => invite.email === 'kim@example.com');
    expect(open.map((invite) => invite.eid)).toEqual([lastLine(second).split('/').pop()]);

    // The superseded link is refused; the newest one works, for the renamed person.
    expect(await refusal(phone('kim-old').enroll(lastLine(first)))).toMatchObject({ status: 410, error: 'expired' });
    expect((await phone('kim').enroll(lastLine(second))).account).toEqual({ email: 'kim@example.com', name: 'Kim Kaur' });

    const third = await cli('invite', 'kim@example.com');
    const eid = lastLine(third).split('/').pop()!;
    expect((await cli('invites', 'cancel', eid)).stdout).toContain(`cancelled ${eid}`);
    expect(await refusal(phone('kim-2').enroll(lastLine(third)))).toMatchObject({ status: 410, error: 'expired' });
    expect((await cli('invites', 'cancel', eid)).code).toBe(1);

    // A bad --name is refused before anything is made.
    const bad = await cli('invite', 'lee@example.com', '--name', 'Lee\u200b');
    expect(bad.code).toBe(1);
    expect((await json<User[]>('users', 'list')).map((user) => user.email)).not.toContain('lee@example.com');
  }, MANY_PROCESSES);

  it('lists devices and sessions, ends a session, disables, enables and deletes a user', async () => {
    const mia = phone('mia');
    await mia.enroll(lastLine(await cli('invite', 'mia@example.com')), { deviceName: 'Mia Phone' });
    type Device = { id: string; name: string; status: string; last_ip: string | null };
    const [device] = await json<Device[]>('devices', 'list', 'mia@example.com');
    expect(device).toMatchObject({ name: 'Mia Phone', status: 'active', last_ip: null });

    const config = await discover(scanin.issuer);
    const login = await openLoginPage(config);
    await mia.answer(login.qrUrl, 'approve');
    expect((await login.browser.follow(`${login.interactionUrl}/complete`, scanin.issuer)).leftTo).toContain('code=');
    expect((await json<Device[]>('devices', 'list', 'mia@example.com'))[0]!.last_ip).toBe('127.0.0.1');

    type Session = { uid: string; device_id: string; clients: string[] };
    const [session] = await json<Session[]>('sessions', 'list', 'mia@example.com');
    expect(session).toMatchObject({ device_id: device!.id, clients: ['test-public'], ip: '127.0.0.1', user_agent: login.browser.userAgent });
    expect((await cli('sessions', 'end', session!.uid)).code).toBe(0);
    expect(await json<Session[]>('sessions', 'list', 'mia@example.com')).toEqual([]);
    const again = await login.browser.follow((await authorizationRequest(config)).url, scanin.issuer);
    expect(again.leftTo).toBeUndefined();
    expect((await cli('sessions', 'end', session!.uid)).code).toBe(1);

    expect((await cli('users', 'disable', 'mia@example.com')).stdout).toContain('disabled mia@example.com');
    expect(await json<User>('users', 'show', 'mia@example.com')).toMatchObject({ status: 'disabled' });
    const next = await openLoginPage(config);
    expect(await refusal(mia.answer(next.qrUrl, 'approve'))).toMatchObject({ status: 403, error: 'account_disabled' });
    expect((await cli('users', 'enable', 'mia@example.com')).code).toBe(0);
    expect((await mia.answer(next.qrUrl, 'approve')).status).toBe('approved');

    expect((await cli('users', 'delete', 'mia@example.com')).code).toBe(0);
    expect((await cli('users', 'show', 'mia@example.com')).code).toBe(1);
    const gone = await openLoginPage(config);
    expect(await refusal(mia.answer(gone.qrUrl, 'approve'))).toMatchObject({ status: 401, error: 'unknown_device' });
  }, MANY_PROCESSES);

  it('groups: create, nest, add with an end, list members as JSON, refuse what is wrong, remove, delete', async () => {
    await cli('users', 'create', 'gus.groups@example.com');
    expect((await cli('groups', 'create', 'staff')).code).toBe(0);
    expect((await cli('groups', 'create', 'support', '--parent', 'staff')).code).toBe(0);
    const added = await cli('groups', 'add', 'support', 'gus.groups@example.com', '--for', '30d');
    expect(added.stdout).toContain('gus.groups@example.com is in support until');
    const members = await json<Array<{ email: string; expires_at: number | null }>>('groups', 'members', 'support');
    expect(members).toEqual([expect.objectContaining({ email: 'gus.groups@example.com', expires_at: expect.any(Number) })]);
    expect(await json<Array<{ name: string; parent: string | null; members: number }>>('groups', 'list')).toEqual(expect.arrayContaining([expect.objectContaining({ name: 'support', parent: 'staff', members: 1 })]));
    expect((await cli('groups', 'add', 'support', 'gus.groups@example.com', '--for', 'soon')).stderr).toContain('--for: expected a duration');
    expect((await cli('groups', 'add', 'nosuch', 'gus.groups@example.com')).stderr).toContain('no group named "nosuch"');
    expect((await cli('groups', 'delete', 'staff')).stderr).toContain('still has subgroups');
    expect((await cli('groups', 'remove', 'support', 'gus.groups@example.com')).code).toBe(0);
    expect((await cli('groups', 'remove', 'support', 'gus.groups@example.com')).stderr).toContain('is not in support');
    expect((await cli('groups', 'delete', 'support')).code).toBe(0);
    expect((await cli('groups', 'delete', 'staff')).code).toBe(0);
  }, MANY_PROCESSES);
});
