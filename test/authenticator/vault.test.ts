// The reference authenticator's vault against a real Scanin: it encrypts with its own key (kept
// in its key file, never sent), the server keeps only ciphertext, and a stale write is refused.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Authenticator, DeviceApiError } from '../../src/authenticator/authenticator.ts';
import { runCli } from '../../src/authenticator/cli.ts';
import { loadDevices, saveDevices } from '../../src/authenticator/keystore.ts';
import { enrollmentUrl } from '../../src/protocol/urls.ts';
import { findVault } from '../../src/store/vaults.ts';
import { newInvite, useScaninWithPhone } from '../helpers/device.ts';
import { testDir } from '../helpers/scanin.ts';

const world = useScaninWithPhone();

async function enrolledAuthenticator(email: string): Promise<{ authenticator: Authenticator; keysFile: string; deviceId: string }> {
  const keysFile = join(testDir(), 'device.json');
  const authenticator = new Authenticator({ keysFile });
  const invite = await newInvite(world.scanin, email);
  const { device_id } = await authenticator.enroll(enrollmentUrl(world.scanin.issuer, invite.eid), { deviceName: 'vault test' });
  return { authenticator, keysFile, deviceId: device_id };
}

describe('scanin-device and the vault', () => {
  it('writes, reads back, and the server holds only ciphertext that does not contain the text', async () => {
    const { authenticator, keysFile, deviceId } = await enrolledAuthenticator('ref-vault@example.com');
    const { issuer } = world.scanin;
    expect(await authenticator.readVault(issuer)).toEqual({ version: 0, text: null, updated_at: null });
    expect(await authenticator.writeVault(issuer, 'recovery hint: the blue notebook', 0)).toEqual({ version: 1 });
    expect(await authenticator.readVault(issuer)).toMatchObject({ version: 1, text: 'recovery hint: the blue notebook' });
    const stored = (await findVault(world.scanin.services.db, deviceId))!;
    expect(Buffer.from(stored.data, 'base64url').toString('latin1')).not.toContain('blue notebook');
    const [device] = await loadDevices(keysFile);
    expect(device!.vault_key).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(JSON.stringify(stored)).not.toContain(device!.vault_key!);
  });

  it('a write over a stale version is refused with version_conflict and the vault keeps the newer text', async () => {
    const { authenticator } = await enrolledAuthenticator('ref-conflict@example.com');
    const { issuer } = world.scanin;
    await authenticator.writeVault(issuer, 'first', 0);
    await authenticator.writeVault(issuer, 'second', 1);
    const refused = await authenticator.writeVault(issuer, 'from a stale copy', 1).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(DeviceApiError);
    expect(refused).toMatchObject({ status: 409, error: 'version_conflict' });
    expect((await authenticator.readVault(issuer)).text).toBe('second');
  });

  it('a key file from before the vault gets a vault key at the first write', async () => {
    const { authenticator, keysFile } = await enrolledAuthenticator('ref-old@example.com');
    const devices = await loadDevices(keysFile);
    await saveDevices(keysFile, devices.map(({ vault_key: _dropped, ...device }) => device));
    await authenticator.writeVault(world.scanin.issuer, 'now with a key', 0);
    expect((await loadDevices(keysFile))[0]!.vault_key).toBeTruthy();
    expect((await authenticator.readVault(world.scanin.issuer)).text).toBe('now with a key');
  });

  it('the command line: vault-write needs --version; vault-read shows version and text; list never shows the vault key', async () => {
    const { keysFile } = await enrolledAuthenticator('ref-cli@example.com');
    const out: string[] = [];
    const err: string[] = [];
    const io = { out: (line: string) => out.push(line), err: (line: string) => err.push(line), env: { SCANIN_DEVICE_KEYS: keysFile }, ask: null };
    const { issuer } = world.scanin;
    expect(await runCli(['vault-write', issuer, 'hello'], io)).toBe(2);
    expect(err.join('\n')).toContain('--version must be the version being replaced');
    expect(await runCli(['vault-write', issuer, 'hello', '--version', '0'], io)).toBe(0);
    expect(await runCli(['vault-read', issuer], io)).toBe(0);
    expect(out).toEqual(['version: 1', 'version: 1', 'hello']);
    err.length = 0;
    expect(await runCli(['vault-write', issuer, 'again', '--version', '0'], io)).toBe(1);
    expect(err.join('\n')).toMatch(/version_conflict: the vault is at version 1/);
    out.length = 0;
    expect(await runCli(['list'], io)).toBe(0);
    const [device] = await loadDevices(keysFile);
    expect(out.join('\n')).not.toContain(device!.vault_key!);
    expect(await readFile(keysFile, 'utf8')).toContain('"vault_key"');
  });
});
