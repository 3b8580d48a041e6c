// The Docker image, without a Docker engine (none runs on these machines): the final stage of the
// real Dockerfile is read — WORKDIR, ENV, COPY, USER, VOLUME, HEALTHCHECK, CMD — its files are
// laid out in a directory as `docker build` would copy them (honouring .dockerignore; the build
// stage's node_modules is this checkout's), clients.json is mounted from outside, and the server
// is started from there exactly as CMD says, with the image's environment. A file the server needs
// that the Dockerfile forgets to copy (docs/ was one) fails here. Then the image's own
// HEALTHCHECK command must pass, and the image must run as a non-root user with its database and
// keys on the volume.
import { execFile, spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../helpers/ports.ts';

const ROOT = join(import.meta.dirname, '../..');
type Instruction = { op: string; args: string };

/** The final stage's instructions, continuation lines joined, comments dropped. */
function finalStage(): Instruction[] {
  const text = readFileSync(join(ROOT, 'Dockerfile'), 'utf8').replace(/\\\n/g, ' ');
  const instructions = text.split('\n').map((line) => line.trim()).filter((line) => line && !line.startsWith('#'))
    .map((line) => ({ op: line.split(/\s+/)[0]!.toUpperCase(), args: line.slice(line.split(/\s+/)[0]!.length).trim() }));
  const last = instructions.map((i) => i.op).lastIndexOf('FROM');
  return instructions.slice(last + 1);
}

/** ENV k=v k2="v 2" … */
function envPairs(args: string): Array<[string, string]> {
  return [...args.matchAll(/([A-Za-z_][A-Za-z0-9_]*)=("([^"]*)"|\S*)/g)].map((m) => [m[1]!, m[3] ?? m[2]!]);
}

/** .dockerignore as docker reads it here: names and `*` globs of paths from the context's root. */
function ignored(path: string): boolean {
  const patterns = readFileSync(join(ROOT, '.dockerignore'), 'utf8').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
  return patterns.some((pattern) => {
    const glob = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*')}(/.*)?$`);
    return glob.test(path) || glob.test(path.split('/').pop()!);
  });
}

function copyContext(from: string, to: string): void {
  const path = relative(ROOT, from);
  if (ignored(path)) return;
  if (statSync(from).isDirectory()) {
    mkdirSync(to, { recursive: true });
    for (const name of readdirSync(from)) copyContext(join(from, name), join(to, name));
  } else {
    cpSync(from, to);
  }
}

describe('the Docker image', () => {
  const stage = finalStage();
  const image = mkdtempSync(join(tmpdir(), 'scanin-image-'));
  afterAll(() => rmSync(image, { recursive: true, force: true }));

  // Container paths live under `image`: /app → image/app, /data → image/data.
  const inImage = (path: string) => join(image, path);
  const workdir = stage.find((i) => i.op === 'WORKDIR')!.args;
  const env = Object.fromEntries(stage.filter((i) => i.op === 'ENV').flatMap((i) => envPairs(i.args)));
  const json = (op: string) => JSON.parse(stage.find((i) => i.op === op)!.args.replace(/^.*?CMD\s+/, '')) as string[];

  it('runs as a non-root user, keeps SQLite on its volume, and has a health check; clients.json is mounted, not baked in', () => {
    const user = stage.filter((i) => i.op === 'USER').at(-1)?.args;
    expect(user).toBeDefined();
    expect(['root', '0']).not.toContain(user);
    const volumes = stage.filter((i) => i.op === 'VOLUME').map((i) => i.args);
    expect(volumes.length).toBeGreaterThan(0);
    // Signing keys and cookie secrets live in the database: on the volume with it.
    expect(env.DATABASE_URL).toMatch(/^sqlite:/);
    expect(volumes.some((volume) => env.DATABASE_URL!.slice('sqlite:'.length).startsWith(`${volume}/`))).toBe(true);
    expect(stage.some((i) => i.op === 'HEALTHCHECK')).toBe(true);
    expect(ignored('clients.json')).toBe(true);
    expect(env.CLIENTS_FILE).toBeDefined();
  });

  it('starts from the files the Dockerfile copies, with its environment and CMD, serves the home page and the protocol, and passes its own HEALTHCHECK', async () => {
    const app = inImage(workdir);
    mkdirSync(app, { recursive: true });
    for (const copy of stage.filter((i) => i.op === 'COPY')) {
      const parts = copy.args.split(/\s+/);
      const fromStage = parts.find((part) => part.startsWith('--from='));
      const [source, target] = parts.filter((part) => !part.startsWith('--')) as [string, string];
      const destination = join(app, target);
      if (fromStage) {
        // The build stage's `npm ci --omit=dev`: this checkout's node_modules stands in for it.
        expect(source).toBe(`${workdir}/node_modules`);
        symlinkSync(join(ROOT, 'node_modules'), destination);
        continue;
      }
      expect(existsSync(join(ROOT, source)), `COPY ${source}`).toBe(true);
      expect(ignored(source), `COPY ${source} is excluded by .dockerignore`).toBe(false);
      copyContext(join(ROOT, source), target.endsWith('/') ? join(destination, source) : destination);
    }
    expect(existsSync(join(app, 'clients.json'))).toBe(false);
    for (const volume of stage.filter((i) => i.op === 'VOLUME').map((i) => i.args)) mkdirSync(inImage(volume), { recursive: true });
    // docker run -v ./clients.json:/app/clients.json:ro
    writeFileSync(inImage(env.CLIENTS_FILE!), JSON.stringify([{ client_id: 'team-app', client_name: 'Team App', token_endpoint_auth_method: 'none', redirect_uris: ['http://localhost:8080/callback'] }]));

    const port = await freePort();
    const containerEnv: Record<string, string> = Object.fromEntries(Object.entries(env).map(([key, value]) => [key, value.replace(/(^|:)(\/(data|app)\b)/, (_, lead: string, path: string) => `${lead}${inImage(path)}`)]));
    // -p: the test picks a free port; it listens on loopback only.
    Object.assign(containerEnv, { PORT: String(port), HOST: '127.0.0.1', PATH: process.env.PATH ?? '', HOME: image, LOG_LEVEL: 'info' });
    const [command, ...args] = json('CMD');
    expect(command).toBe('node');
    const child = spawn(process.execPath, args, { cwd: app, env: containerEnv, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    try {
      await Promise.race([
        (async () => {
          while (!output.includes('"msg":"Scanin is listening"')) await new Promise((resolve) => setTimeout(resolve, 50));
        })(),
        exited.then((code) => {
          throw new Error(`the image's server exited (${code}) before it listened:\n${output}`);
        }),
      ]);
      const base = `http://127.0.0.1:${port}`;
      expect((await fetch(`${base}/healthz`)).status).toBe(200);
      expect((await fetch(`${base}/`)).status).toBe(200);
      const protocol = await fetch(`${base}/docs/protocol.md`);
      expect(protocol.status).toBe(200);
      expect(await protocol.text()).toBe(readFileSync(join(ROOT, 'docs/protocol.md'), 'utf8'));
      expect(existsSync(env.DATABASE_URL!.slice('sqlite:'.length).replace(/^\/data/, inImage('/data')))).toBe(true);

      const healthcheck = stage.find((i) => i.op === 'HEALTHCHECK')!.args;
      const [checkCommand, ...checkArgs] = JSON.parse(healthcheck.slice(healthcheck.indexOf('CMD') + 3).trim()) as string[];
      expect(checkCommand).toBe('node');
      await promisify(execFile)(process.execPath, checkArgs, { cwd: app, env: containerEnv });
    } finally {
      child.kill('SIGTERM');
      await exited;
    }
  });
});
