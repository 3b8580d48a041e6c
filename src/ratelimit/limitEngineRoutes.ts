// Rate limits in front of the engine's endpoints that anyone may call without signing in and
// that store something: /auth (each call makes an interaction) and /session/end (a logout).
import type { Context, Next } from 'koa';
import { clientIp, networkOf } from '../http/ip.ts';
import type { Services } from '../services.ts';
import { enforceRateLimit } from './enforceRateLimit.ts';

export function limitEngineRoutes(services: Services) {
  return async (ctx: Context, next: Next) => {
    const network = networkOf(clientIp(ctx));
    if (ctx.path === '/auth') {
      await enforceRateLimit(services, 'auth_ip', network);
      // A sign-in that names an account counts against that account from every address, so
      // spreading the attempts over many addresses does not help.
      const hint = ctx.query.login_hint;
      if (typeof hint === 'string' && hint.trim() !== '') await enforceRateLimit(services, 'auth_account', hint.trim().toLowerCase());
    } else if (ctx.path.startsWith('/session/end')) {
      await enforceRateLimit(services, 'logout_ip', network);
    }
    await next();
  };
}
