// The web app's files, as the browser gets them: the TypeScript under client/ bundled by esbuild
// when Scanin starts (no build step for the user), and the static files of views/app. Built once
// per process: they depend only on the sources.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { VIEWS_DIR } from '../http/render.ts';

export type AppFile = { body: Buffer; type: string };

const CLIENT_DIR = fileURLToPath(new URL('./client/', import.meta.url));
const STATIC: Record<string, string> = {
  'index.html': 'text/html; charset=utf-8',
  'app.css': 'text/css; charset=utf-8',
  'manifest.webmanifest': 'application/manifest+json',
  'icon.svg': 'image/svg+xml',
  'icon-192.png': 'image/png',
  'icon-512.png': 'image/png',
};
const JS = 'text/javascript; charset=utf-8';
/** What the service worker keeps for offline use, relative to /app/ (the page, its code and looks). */
const SHELL = ['./', 'app.js', 'app.css', '../assets/style.css', 'manifest.webmanifest', 'icon.svg'];

async function bundle(entry: string, define: Record<string, string> = {}): Promise<Buffer> {
  const result = await build({
    entryPoints: [join(CLIENT_DIR, entry)],
    bundle: true,
    write: false,
    format: 'iife',
    target: ['es2022'],
    minify: true,
    legalComments: 'none',
    define,
    logLevel: 'silent',
  });
  return Buffer.from(result.outputFiles[0]!.contents);
}

async function buildFiles(): Promise<Map<string, AppFile>> {
  const files = new Map<string, AppFile>(Object.entries(STATIC).map(([name, type]) => [name, { body: readFileSync(join(VIEWS_DIR, 'app', name)), type }]));
  files.set('app.js', { body: await bundle('main.ts'), type: JS });
  files.set('jsqr.js', { body: await bundle('jsqrScript.ts'), type: JS });
  // A new shell (code, page or style) means a new cache name, so the worker replaces the old one.
  const version = createHash('sha256');
  for (const name of ['app.js', 'index.html', 'app.css']) version.update(files.get(name)!.body);
  version.update(readFileSync(join(VIEWS_DIR, 'assets', 'style.css')));
  files.set('sw.js', {
    body: await bundle('sw.ts', { SHELL_FILES: JSON.stringify(SHELL), SHELL_VERSION: JSON.stringify(version.digest('base64url').slice(0, 12)) }),
    type: JS,
  });
  return files;
}

let built: Promise<Map<string, AppFile>> | undefined;

export function webAppFiles(): Promise<Map<string, AppFile>> {
  built ??= buildFiles();
  return built;
}
