// Scanin's version, as package.json states it (and CHANGELOG.md describes): what /healthz reports,
// so an operator sees which release each instance runs during a rolling upgrade.
import { readFileSync } from 'node:fs';

export const VERSION: string = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
