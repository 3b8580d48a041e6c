// The PostgreSQL the tests use: the one at TEST_POSTGRES_URL (default 127.0.0.1:5432, user
// postgres) when it answers, else a private server made for this run with the machine's own
// `initdb` and `pg_ctl`, on a free loopback port in a temporary directory, removed afterwards.
import { execFile } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { freePort } from '../helpers/ports.ts';

const run = promisify(execFile);

export const DEFAULT_POSTGRES_URL = 'postgres://postgres@127.0.0.1:5432/postgres';
const BINARY_ROOT = '/usr/lib/postgresql';

export type TestPostgres = { url: string; private: boolean; stop(): Promise<void> };

/** The reason `url` cannot be used, or null when it answers a query. */
export async function unreachable(url: string): Promise<string | null> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return null;
  } catch (error) {
    return (error as Error).message || (error as { code?: string }).code || String(error);
  } finally {
    await client.end().catch(() => {});
  }
}

/** The directory holding `initdb` and `pg_ctl`, newest major version first; null when none is installed. */
export function findPostgresBinaries(root = BINARY_ROOT): string | null {
  if (!existsSync(root)) return null;
  const versions = readdirSync(root)
    .filter((name) => existsSync(join(root, name, 'bin', 'initdb')) && existsSync(join(root, name, 'bin', 'pg_ctl')))
    .sort((a, b) => Number(b) - Number(a));
  return versions.length ? join(root, versions[0]!, 'bin') : null;
}

/** PostgreSQL refuses to run as root: as root, its commands run as the `postgres` system user. */
async function runAsServerUser(binary: string, args: string[]): Promise<void> {
  const [file, argv] = userInfo().uid === 0 ? ['runuser', ['-u', 'postgres', '--', binary, ...args]] : [binary, args];
  await run(file, argv, { cwd: tmpdir() });
}

async function serverUserIds(): Promise<{ uid: number; gid: number }> {
  const { stdout } = await run('id', ['postgres']);
  const uid = /uid=(\d+)/.exec(stdout)?.[1];
  const gid = /gid=(\d+)/.exec(stdout)?.[1];
  if (!uid || !gid) throw new Error('the "postgres" system user is missing (PostgreSQL will not run as root)');
  return { uid: Number(uid), gid: Number(gid) };
}

/** Makes, starts and hands over a throwaway PostgreSQL cluster; `stop()` ends it and deletes its files. */
export async function startPrivatePostgres(binaries: string): Promise<TestPostgres> {
  const dir = mkdtempSync(join(tmpdir(), 'scanin-test-pg-'));
  const data = join(dir, 'data');
  const pgCtl = join(binaries, 'pg_ctl');
  let started = false;
  const stop = async () => {
    if (started) await runAsServerUser(pgCtl, ['stop', '-D', data, '-m', 'immediate', '-w']).catch(() => {});
    started = false;
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    if (userInfo().uid === 0) {
      const { uid, gid } = await serverUserIds();
      chownSync(dir, uid, gid);
    }
    await runAsServerUser(join(binaries, 'initdb'), ['-D', data, '-U', 'postgres', '--auth=trust', '--no-sync', '-E', 'UTF8', '--locale=C']);
    const port = await freePort();
    // The socket goes in the private directory so this server shares nothing with the machine's.
    const options = `-p ${port} -c listen_addresses=127.0.0.1 -k ${dir} -c fsync=off -c full_page_writes=off`;
    started = true;
    await runAsServerUser(pgCtl, ['start', '-D', data, '-l', join(dir, 'server.log'), '-o', options, '-w', '-t', '60']);
    return { url: `postgres://postgres@127.0.0.1:${port}/postgres`, private: true, stop };
  } catch (error) {
    await stop();
    throw new Error(`could not start a private PostgreSQL with ${binaries}: ${(error as Error).message.split('\n')[0]}`);
  }
}

/** The PostgreSQL for this run: the configured one if it answers, else a private one. */
export async function testPostgres(configured = process.env.TEST_POSTGRES_URL || DEFAULT_POSTGRES_URL): Promise<TestPostgres> {
  const reason = await unreachable(configured);
  if (reason === null) return { url: configured, private: false, stop: async () => {} };
  const binaries = findPostgresBinaries();
  if (!binaries) {
    throw new Error(`PostgreSQL at ${configured} does not answer (${reason}) and no PostgreSQL is installed to start a private one: start one and set TEST_POSTGRES_URL, or install Debian's "postgresql" package`);
  }
  return startPrivatePostgres(binaries);
}
