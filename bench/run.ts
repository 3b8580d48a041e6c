// All benchmarks: `npm run bench` (a few minutes on 2 cores). Prints tables and writes
// bench/RESULTS.md with the machine and its load. Numbers only: nothing is asserted.
//
//   BENCH_SCALE=0.2 npm run bench     a quicker, rougher run (fewer logins and waiting browsers)
//   BENCH_ONLY=logins|sqlite|groups|waiting|verify  one part only
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { postgresAvailable, type Storage } from './databases.ts';
import { benchGroupClaims, type GroupClaimsRow } from './groupClaims.ts';
import { benchLogins, type LoginRow } from './logins.ts';
import { benchSqliteDrivers, sqliteDriversTable } from './sqliteDrivers.ts';
import { countStatements } from './statements.ts';
import { print, table } from './stats.ts';
import { benchVerify, verifyTable } from './verify.ts';
import { benchWaiting, type WaitingResult } from './waiting.ts';

const scale = Number(process.env.BENCH_SCALE ?? 1);
const only = process.env.BENCH_ONLY;
const RESULTS = new URL('./RESULTS.md', import.meta.url);

const started = Date.now();
const load = (): string => loadavg().map((value) => value.toFixed(1)).join(' / ');
const machine = [
  `${cpus().length} × ${cpus()[0]?.model.trim() ?? 'unknown CPU'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node.js ${process.version} ${process.platform}/${process.arch}`,
  `load average at start (1/5/15 min): ${load()}`,
];
const sections: string[] = [];
const say = (title: string, lines: string[]) => {
  print(`\n${title}`);
  for (const line of lines) print(line);
  sections.push(`## ${title}\n\n${lines.join('\n')}\n`);
};

print(`Scanin benchmarks — ${machine.join('; ')}`);

if (!only || only === 'logins') {
  const storages: Storage[] = ['sqlite'];
  if (await postgresAvailable()) storages.push('postgres');
  else print('PostgreSQL does not answer (BENCH_POSTGRES_URL): its rows are left out');
  const statements = await countStatements();
  const rows: LoginRow[] = [];
  for (const storage of storages) rows.push(...(await benchLogins(storage, { rounds: 3, scale })));
  const ratio = (r: LoginRow) => {
    const bare = rows.find((other) => other.server === 'bare' && other.storage === r.storage && other.users === r.users)!;
    return r.server === 'bare' ? '' : `${(r.cpuMsPerLogin / bare.cpuMsPerLogin).toFixed(2)}`;
  };
  say('Full logins under load (Scanin QR login vs bare oidc-provider, same storage, interleaved)', [
    ...table(
      ['storage', 'server', 'users', 'logins', 'logins/s', 'p50 ms', 'p99 ms', 'server CPU ms/login', 'logins per CPU-s', 'CPU vs bare'],
      rows.map((r) => [r.storage, r.server, String(r.users), String(r.logins), r.perSecond.toFixed(1), r.p50.toFixed(1), r.p99.toFixed(1), r.cpuMsPerLogin.toFixed(2), (1000 / r.cpuMsPerLogin).toFixed(0), ratio(r)]),
    ),
    '',
    `SQL statements in one full QR login (bench/statements.ts): ${statements.total}.`,
    '',
    '`bare-memory`: the bare engine on its own in-memory adapter (no storage at all), run interleaved with the SQLite pair;',
    'its CPU is what the engine alone costs, so neither server can go below it on any storage.',
    '',
    'A login: authorization request with PKCE (openid-client) → /auth → the login page → (Scanin) the phone reads and answers',
    'the request, ES256 · (bare) the login form, then the consent form → the redirects back → the token exchange.',
    'Each server is its own process; its CPU time (user + system) is read from that process. Latency and logins/s are',
    'wall-clock on a machine shared with the load generator (and, during development, with other work): read them as rough.',
  ]);
}

if (!only || only === 'sqlite') {
  say('SQLite drivers (the statements of real QR logins replayed, interleaved, one process)', sqliteDriversTable(await benchSqliteDrivers({ rounds: 4, scale })));
}

if (!only || only === 'groups') {
  const storages: Storage[] = (await postgresAvailable()) ? ['sqlite', 'postgres'] : ['sqlite'];
  const rows: GroupClaimsRow[] = [];
  for (const storage of storages) rows.push(...(await benchGroupClaims(storage, { rounds: 4, scale })));
  const ratio = (r: GroupClaimsRow) => {
    const without = rows.find((other) => other.storage === r.storage && !other.scope.includes('groups'))!;
    return (r.cpuMsPerRequest / without.cpuMsPerRequest).toFixed(3);
  };
  say('Groups and roles in a token request (refresh grants with a new ID token, one at a time, interleaved)', [
    ...table(
      ['storage', 'scope', 'requests', 'p50 ms', 'server CPU ms/request', 'CPU vs without groups'],
      rows.map((r) => [r.storage, r.scope, String(r.requests), r.p50.toFixed(2), r.cpuMsPerRequest.toFixed(3), ratio(r)]),
    ),
    '',
    'The person is in three groups (one a subgroup, so four names) and the client maps three roles. Every refresh reads them',
    'with the token it redeems, in the same statement (oidc/adapter.ts, store/groups.ts): the ID token\'s `groups` and `roles`',
    'cost no statement of their own. The target (issue 20): at most 1.05.',
  ]);
}

if ((!only || only === 'waiting') && (await postgresAvailable())) {
  const many = Math.round(10_000 * scale);
  const few = Math.round(1_000 * scale);
  const result: WaitingResult = await benchWaiting({ many, few, samples: Math.max(10, Math.round(100 * scale)) });
  say(`Waiting browsers (two instances on one PostgreSQL; streams held by the first)`, [
    ...table(
      ['waiting', 'phone served by', 'samples', 'p50 ms', 'p99 ms', 'max ms'],
      result.latency.map((r) => [String(r.waiting), r.path, String(r.samples), r.p50.toFixed(2), r.p99.toFixed(2), r.max.toFixed(2)]),
    ),
    '',
    `RSS per waiting browser: ${result.rssPerStreamKiB.toFixed(1)} KiB (${result.streams} open streams, after a GC, over the RSS before any stream)`,
    `Idle CPU with ${result.streams} open streams: ${result.idleCpuPercent.toFixed(2)}% of a core (over ${result.idleSeconds} s)`,
    '',
    "Latency: from the phone's POST returning to the browser's `approved` event (0 when the browser heard first).",
  ]);
}

if (!only || only === 'verify') say('Assertion verification', verifyTable(benchVerify()));

const seconds = ((Date.now() - started) / 1000).toFixed(0);
print(`\ndone in ${seconds} s; load average at the end: ${load()}`);
// What people wrote under "## Notes" (how to read the figures, before and after a change) is kept.
const previous = existsSync(RESULTS) ? readFileSync(RESULTS, 'utf8') : '';
const notes = previous.includes('\n## Notes') ? previous.slice(previous.indexOf('\n## Notes')) : '';
writeFileSync(
  RESULTS,
  `# Benchmark results\n\nWritten by \`npm run bench\` on ${new Date().toISOString().slice(0, 16)}Z (scale ${scale}, ${seconds} s).\n\n` +
    `- Machine: ${machine[0]}\n- ${machine[1]}; at the end: ${load()}\n\n${sections.join('\n')}${notes}`,
);
print(`written: ${RESULTS.pathname}`);
