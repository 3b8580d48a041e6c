#!/usr/bin/env node
// Entry point of `npx scanin-device`: registers the TypeScript loader so the sources run as they
// are, with no build step, then hands over to the command line.
import { register } from 'tsx/esm/api';

register();
const { runCli, processIo } = await import('./cli.ts');
process.exitCode = await runCli(process.argv.slice(2), processIo());
