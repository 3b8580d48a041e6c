// GET /healthz: the process is up and answering (no database: a restart would not help it), and
// which version of Scanin, on which Node.js, it runs.
// GET /readyz: this instance can serve: the database answers, and every migration this code knows
// has been applied. Otherwise 503 with the reason as JSON, so a load balancer takes it out of
// rotation and an operator reading the answer knows why.
import type Router from '@koa/router';
import type { Services } from '../services.ts';
import { pendingMigrations } from '../store/migrate.ts';
import { VERSION } from './version.ts';

/** A probe must answer even when the database hangs: past this, it counts as unreachable. */
const READY_TIMEOUT_MS = 2000;

export type Readiness = { ready: true } | { ready: false; reason: string };

function withTimeout<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms} ms`)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

export async function readiness(services: Services): Promise<Readiness> {
  let pending: string[];
  try {
    pending = await withTimeout(pendingMigrations(services.db), READY_TIMEOUT_MS, 'the database');
  } catch (error) {
    return { ready: false, reason: `database unreachable: ${(error as Error).message}` };
  }
  if (pending.length) return { ready: false, reason: `migrations not applied: ${pending.join(', ')}` };
  return { ready: true };
}

export function mountHealthRoutes(router: Router, services: Services): void {
  router.get('/healthz', (ctx) => {
    ctx.set('Cache-Control', 'no-store');
    ctx.body = { status: 'ok', version: VERSION, node: process.version };
  });

  router.get('/readyz', async (ctx) => {
    const state = await readiness(services);
    ctx.set('Cache-Control', 'no-store');
    if (state.ready) {
      ctx.body = { status: 'ready' };
      return;
    }
    ctx.state.log.warn({ reason: state.reason }, 'not ready');
    ctx.status = 503;
    ctx.body = { status: 'unavailable', reason: state.reason };
  });
}
