#!/usr/bin/env node
// Entry point of `npx scanin`: registers the TypeScript loader so the sources run as they are,
// with no build step, then hands over to the command line.
import { register } from 'tsx/esm/api';

register();
await import('./main.ts');
