#!/usr/bin/env node
// Entry point of `npx scanin`: checks the runtime, registers the TypeScript loader so the sources
// run as they are, with no build step, then hands over to the command line.
import { readFileSync } from 'node:fs';

// Scanin is tested on the Node.js that package.json's engines names (npm ci installs it in
// node_modules, and npm's scripts and npx run on it): an older system Node would run it untested,
// so it stops here and says how to get the right one.
const { engines } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));
const required = Number(/^>=(\d+)/.exec(engines.node)?.[1]);
if (Number(process.versions.node.split('.')[0]) < required) {
  process.stderr.write(`Scanin needs Node.js ${required} or later; this is ${process.version} (${process.execPath}).\n` +
    `Run it through npm (npm start, npx scanin …), which uses the Node.js ${required} that npm ci installs in node_modules, or install Node.js ${required}.\n`);
  process.exit(1);
}

const { register } = await import('tsx/esm/api');
register();
await import('./main.ts');
