// Browsers waiting on their QR codes: how soon an approval reaches the waiting browser (from the
// phone's POST returning to the browser's `approved` event) with 1,000 and with 10,000 browsers
// waiting on one instance, with the phone served by that instance and by a second one on the same
// PostgreSQL (LISTEN/NOTIFY); the memory each waiting browser costs the instance holding it; and
// what 10,000 idle streams cost in CPU. Every browser has a real interaction (its /auth request,
// its cookie) and a real event-stream connection of its own.
import { request, type ClientRequest } from 'node:http';
import { performance } from 'node:perf_hooks';
import type { Authenticator } from '../src/authenticator/authenticator.ts';
import { TestBrowser } from '../test/helpers/browser.ts';
import { authorizationRequest, discover } from '../test/helpers/rp.ts';
import { freePort, testEnv } from '../test/helpers/scanin.ts';
import { benchDir, createBenchDatabase } from './databases.ts';
import { enrolledPhone } from './flows.ts';
import { ServerProcess } from './serverProcess.ts';
import { percentile } from './stats.ts';

export type LatencyRow = { waiting: number; path: 'one instance' | 'across two'; samples: number; p50: number; p99: number; max: number };
export type WaitingResult = { latency: LatencyRow[]; streams: number; rssPerStreamKiB: number; idleCpuPercent: number; idleSeconds: number };

type Waiting = { browser: TestBrowser; interaction: string; stream?: ClientRequest; approvedAt?: Promise<number> };

const IDLE_SECONDS = 30;

async function inParallel<T>(items: T[], limit: number, task: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: limit }, async () => {
    while (next < items.length) await task(items[next++]!);
  }));
}

/** Opens the browser's event stream; resolves once the server has answered with its headers. */
function openStream(waiting: Waiting): Promise<void> {
  const url = `${waiting.interaction}/events`;
  return new Promise((resolve, reject) => {
    const stream = request(url, { agent: false, headers: { accept: 'text/event-stream', cookie: waiting.browser.cookieFor(url), 'user-agent': waiting.browser.userAgent } }, (response) => {
      if (response.statusCode !== 200) return reject(new Error(`the event stream answered ${response.statusCode}`));
      waiting.approvedAt = new Promise((approved) => {
        response.on('data', (chunk: Buffer) => {
          if (chunk.includes('event: approved')) approved(performance.now());
        });
      });
      resolve();
    });
    stream.on('error', reject);
    stream.end();
    waiting.stream = stream;
  });
}

/** Approves each sample's login in turn; the time from the phone's POST returning to `approved`. */
async function latencies(samples: Waiting[], phone: Authenticator): Promise<number[]> {
  const result: number[] = [];
  for (const waiting of samples) {
    const status = JSON.parse((await waiting.browser.fetch(`${waiting.interaction}/status`, { accept: 'application/json' })).body) as { qr: { url: string } };
    const loginRequest = await phone.fetchLoginRequest(status.qr.url);
    const answer = await phone.answerRequest(loginRequest, 'approve');
    const returned = performance.now();
    if (answer.status !== 'approved') throw new Error(`the phone's answer: ${answer.status}`);
    // The browser may hear it before the phone's answer is back: that counts as no delay.
    result.push(Math.max(0, (await waiting.approvedAt!) - returned));
    waiting.stream!.destroy();
  }
  return result.sort((a, b) => a - b);
}

function latencyRow(waiting: number, path: LatencyRow['path'], sorted: number[]): LatencyRow {
  return { waiting, path, samples: sorted.length, p50: percentile(sorted, 50), p99: percentile(sorted, 99), max: sorted.at(-1)! };
}

export async function benchWaiting(options: { many: number; few: number; samples: number }): Promise<WaitingResult> {
  const database = await createBenchDatabase('postgres', 'waiting');
  const dir = benchDir();
  const port = await freePort();
  // One issuer for both instances, as behind a load balancer. Long TTLs: no QR code is replaced
  // during the run (a replacement is work, not idling).
  const env = { NUMBER_MATCHING: 'false', DATABASE_URL: database.url, ISSUER: `http://127.0.0.1:${port}`, REQUEST_TTL: '600', INTERACTION_TTL: '3600' };
  const a = await ServerProcess.start('scanin', testEnv(dir, { ...env, PORT: String(port) }));
  const b = await ServerProcess.start('scanin', testEnv(dir, { ...env, PORT: '0' }));
  try {
    const phoneOnA = await enrolledPhone(a.issuer, database.url, dir);
    const phoneOnB = await enrolledPhone(a.issuer, database.url, benchDir(), (url, init) => fetch(String(url).replace(a.origin, b.origin), init));
    const config = await discover(a.issuer);

    // Every interaction first, so the memory measured next is the streams' alone.
    const s = options.samples;
    const all: Waiting[] = Array.from({ length: options.many + 4 * s }, () => ({ browser: new TestBrowser(), interaction: '' }));
    await inParallel(all, 20, async (waiting) => {
      const auth = await authorizationRequest(config);
      const start = await waiting.browser.fetch(auth.url);
      if (!start.location) throw new Error(`/auth answered ${start.status}`);
      waiting.interaction = start.location;
    });
    const before = await a.usage(true);

    const latency: LatencyRow[] = [];
    const firstWave = all.slice(0, options.few + 2 * s);
    await inParallel(firstWave, 50, openStream);
    latency.push(latencyRow(options.few, 'one instance', await latencies(firstWave.slice(0, s), phoneOnA)));
    latency.push(latencyRow(options.few, 'across two', await latencies(firstWave.slice(s, 2 * s), phoneOnB)));

    const secondWave = all.slice(options.few + 2 * s);
    await inParallel(secondWave, 50, openStream);
    const open = all.length - 2 * s;
    const loaded = await a.usage(true);
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    const idleFrom = await a.usage();
    await new Promise((resolve) => setTimeout(resolve, IDLE_SECONDS * 1000));
    const idleTo = await a.usage();

    latency.push(latencyRow(options.many, 'one instance', await latencies(secondWave.slice(0, s), phoneOnA)));
    latency.push(latencyRow(options.many, 'across two', await latencies(secondWave.slice(s, 2 * s), phoneOnB)));
    for (const waiting of all) waiting.stream?.destroy();
    return {
      latency,
      streams: open,
      rssPerStreamKiB: (loaded.rss - before.rss) / open / 1024,
      idleCpuPercent: ((idleTo.cpuMicros - idleFrom.cpuMicros) / 1000 / (IDLE_SECONDS * 1000)) * 100,
      idleSeconds: IDLE_SECONDS,
    };
  } finally {
    await a.stop();
    await b.stop();
    await database.drop();
  }
}
