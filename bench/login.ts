// How long one full QR login takes, end to end, against a real Scanin on loopback with a SQLite
// file: the relying party's authorization request (openid-client) → /auth → the QR page → the
// phone's GET and signed POST (the reference authenticator, ES256 with @noble/curves) →
// /interaction/:uid/complete → the redirects back to the callback → the token exchange.
// Sequential, one login at a time, each in a fresh browser (no session to reuse).
//
//   node --import tsx bench/login.ts [runs] [warmup]
import { rmSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { isMain, median, ms, percentile, print, quietly } from './stats.ts';

const PHASES = ['auth → QR page', 'phone GET', 'phone POST', '/complete → callback', 'token'] as const;
type Phase = (typeof PHASES)[number];

export type LoginBenchResult = { runs: number; totalsMs: number[]; phasesMs: Record<Phase, number[]>; wallMs: number };

export async function benchLogin(runs = 200, warmup = 20): Promise<LoginBenchResult> {
  // Imported here, muted: oidc-provider warns about the runtime when it is first loaded.
  const [{ startTestScanin }, { enrolledPhone }, { discover, authorizationRequest, redeem }, { TestBrowser, readLoginPage }] = await quietly(() =>
    Promise.all([import('../test/helpers/scanin.ts'), import('../test/helpers/login.ts'), import('../test/helpers/rp.ts'), import('../test/helpers/browser.ts')]),
  );

  const scanin = await startTestScanin();
  try {
    const phone = await enrolledPhone(scanin, 'bench@example.com');
    const config = await discover(scanin.issuer);

    const loginOnce = async (): Promise<{ total: number; phases: Record<Phase, number> }> => {
      const browser = new TestBrowser();
      const marks: number[] = [performance.now()];
      const mark = () => marks.push(performance.now());

      const auth = await authorizationRequest(config);
      const start = await browser.fetch(auth.url);
      if (start.status !== 303 || !start.location) throw new Error(`/auth answered ${start.status}: ${start.body.slice(0, 200)}`);
      const page = await browser.fetch(start.location);
      if (page.status !== 200) throw new Error(`the QR page answered ${page.status}: ${page.body.slice(0, 200)}`);
      const { qrUrl } = readLoginPage(page.body);
      mark();

      const request = await phone.fetchLoginRequest(qrUrl);
      mark();
      const answer = await phone.answerRequest(request, 'approve');
      if (answer.status !== 'approved') throw new Error(`the phone's answer: ${answer.status}`);
      mark();

      const { leftTo, page: last } = await browser.follow(`${start.location}/complete`, scanin.issuer);
      if (!leftTo) throw new Error(`the login did not return to the app: ${last.status} ${last.body.slice(0, 200)}`);
      mark();

      const tokens = await redeem(config, leftTo, auth);
      if (!tokens.id_token) throw new Error('no ID token');
      mark();

      const phases = Object.fromEntries(PHASES.map((phase, i) => [phase, marks[i + 1]! - marks[i]!])) as Record<Phase, number>;
      return { total: marks.at(-1)! - marks[0]!, phases };
    };

    for (let i = 0; i < warmup; i++) await loginOnce();

    const totalsMs: number[] = [];
    const phasesMs = Object.fromEntries(PHASES.map((phase) => [phase, [] as number[]])) as Record<Phase, number[]>;
    const started = performance.now();
    for (let i = 0; i < runs; i++) {
      const { total, phases } = await loginOnce();
      totalsMs.push(total);
      for (const phase of PHASES) phasesMs[phase].push(phases[phase]);
    }
    return { runs, totalsMs, phasesMs, wallMs: performance.now() - started };
  } finally {
    await scanin.close();
    rmSync(scanin.dir, { recursive: true, force: true });
  }
}

export function printLoginBench(result: LoginBenchResult, warmup: number): void {
  const sorted = [...result.totalsMs].sort((a, b) => a - b);
  print(`Full QR login, end to end (SQLite file, loopback, sequential): ${result.runs} runs after ${warmup} warm-up`);
  print(
    `  median ${ms(percentile(sorted, 50))}   p90 ${ms(percentile(sorted, 90))}   p99 ${ms(percentile(sorted, 99))}   ` +
      `(min ${ms(sorted[0]!)}, max ${ms(sorted.at(-1)!)})   ${(result.runs / (result.wallMs / 1000)).toFixed(1)} logins/s`,
  );
  print(`  median per step: ${PHASES.map((phase) => `${phase} ${ms(median(result.phasesMs[phase]))}`).join(' · ')}`);
}

if (isMain(import.meta.url)) {
  const runs = Number(process.argv[2] ?? 200);
  const warmup = Number(process.argv[3] ?? 20);
  printLoginBench(await benchLogin(runs, warmup), warmup);
}
