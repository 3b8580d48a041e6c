// The test run sets itself up: a private PostgreSQL when none answers, and Chromium found where
// it is or a one-line failure saying how to get it.
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import pg from 'pg';
import { describe, expect, inject, it } from 'vitest';
import { findChromium } from '../helpers/chromium.ts';
import { freePort } from '../helpers/ports.ts';
import { testPostgres, unreachable } from './postgres.ts';

describe('the test PostgreSQL', () => {
  it('uses the configured server when it answers', async () => {
    const url = inject('postgresUrl');
    const postgres = await testPostgres(url);
    expect(postgres).toMatchObject({ url, private: false });
  });

  it('starts a private server on a free port when the configured one does not answer, and leaves nothing behind', async () => {
    const nowhere = `postgres://postgres@127.0.0.1:${await freePort()}/postgres`;
    expect(await unreachable(nowhere)).toMatch(/ECONNREFUSED/);
    const postgres = await testPostgres(nowhere);
    expect(postgres.private).toBe(true);
    expect(postgres.url).not.toBe(nowhere);
    const client = new pg.Client({ connectionString: postgres.url });
    await client.connect();
    const { rows } = await client.query<{ data_directory: string }>('SHOW data_directory');
    await client.query('CREATE DATABASE scanin_private_check');
    await client.end();
    const dataDirectory = rows[0]!.data_directory;
    expect(existsSync(dataDirectory)).toBe(true);

    await postgres.stop();
    expect(await unreachable(postgres.url)).toMatch(/ECONNREFUSED/);
    expect(existsSync(dirname(dataDirectory))).toBe(false);
  });
});

describe('Chromium for the page tests', () => {
  const empty = () => mkdtempSync(join(tmpdir(), 'scanin-chromium-'));

  it('takes CHROMIUM_PATH first', () => {
    const file = join(empty(), 'chrome');
    writeFileSync(file, '');
    expect(findChromium({ CHROMIUM_PATH: file }, ['/usr/bin/chromium'])).toBe(file);
  });

  it('refuses a CHROMIUM_PATH that does not exist, in one line', () => {
    expect(() => findChromium({ CHROMIUM_PATH: '/nowhere/chrome' }, [])).toThrow(/^CHROMIUM_PATH=\/nowhere\/chrome does not exist: [^\n]+$/);
  });

  it("finds Debian's, then Playwright's cache", () => {
    const home = empty();
    const system = join(home, 'usr-bin-chromium');
    writeFileSync(system, '');
    expect(findChromium({ HOME: home }, [system])).toBe(system);

    const cached = join(home, '.cache', 'ms-playwright', 'chromium-1200', 'chrome-linux', 'chrome');
    mkdirSync(dirname(cached), { recursive: true });
    writeFileSync(cached, '');
    expect(findChromium({ HOME: home }, ['/nowhere/chromium'])).toBe(cached);
  });

  it('without any, fails with one line saying how to get one', () => {
    let message = '';
    try {
      findChromium({ HOME: empty() }, ['/nowhere/chromium']);
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toBe('no Chromium for the page tests: install Debian\'s ("apt-get install chromium") or set CHROMIUM_PATH to a Chromium executable');
  });
});
