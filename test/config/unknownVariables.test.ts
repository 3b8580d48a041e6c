// Variables that look like Scanin's but are not read are warned about; the rest of the
// environment (the shell's, Node's, npm's) is left alone.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { knownVariables } from '../../src/config/env.ts';
import { unknownVariableWarnings } from '../../src/config/unknownVariables.ts';

describe('unknown variables', () => {
  it('knows exactly the variables the README documents, read off the configuration loader', () => {
    const readme = readFileSync(join(import.meta.dirname, '../../README.md'), 'utf8');
    const table = readme.slice(readme.indexOf('## Configuration'), readme.indexOf('### Rate limits'));
    const documented = [...table.matchAll(/^\| `([A-Z_]+)` \|/gm)].map((match) => match[1]);
    expect([...knownVariables()].sort()).toEqual(documented.sort());
  });

  it('names the variable meant for a misspelling one or two edits away, or in the wrong case', () => {
    expect(unknownVariableWarnings({ DATABSE_URL: 'sqlite:x.db', TRUST_PROXYS: '1', SMTP_ULR: 'log', database_url: 'x', PROT: '80' })).toEqual([
      'DATABSE_URL is not a variable Scanin reads, and is ignored: did you mean DATABASE_URL?',
      'PROT is not a variable Scanin reads, and is ignored: did you mean PORT?',
      'SMTP_ULR is not a variable Scanin reads, and is ignored: did you mean SMTP_URL?',
      'TRUST_PROXYS is not a variable Scanin reads, and is ignored: did you mean TRUST_PROXY?',
      'database_url is not a variable Scanin reads, and is ignored: did you mean DATABASE_URL?',
    ]);
  });

  it('warns about any SCANIN_ variable it does not read, except scanin-device\'s', () => {
    expect(unknownVariableWarnings({ SCANIN_ISSUER: 'https://id.example.com', SCANIN_DEVICE_KEYS: '/tmp/keys.json' })).toEqual([
      "SCANIN_ISSUER is not a variable Scanin reads, and is ignored (see the README's Configuration)",
    ]);
  });

  it('says nothing about its own variables or the rest of an environment', () => {
    const env = { DATABASE_URL: 'sqlite:x.db', PORT: '3000', HOST: '::', SMTP_URL: 'log', PATH: '/bin', HOME: '/root', HOSTNAME: 'box', USER: 'me', SHELL: '/bin/sh', TERM: 'xterm', LANG: 'C', PWD: '/', CI: 'true', NODE_ENV: 'production', NODE_OPTIONS: '', npm_config_cache: '/x', npm_lifecycle_event: 'start', PROD: '1', MODE: 'test', TZ: 'UTC' };
    expect(unknownVariableWarnings(env)).toEqual([]);
  });
});
