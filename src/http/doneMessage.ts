// The sentence a page says after an action sent the browser back to it (?done=<key>): one of the
// page's fixed texts, never anything taken from the request.
import type { Context } from 'koa';

export function doneMessage(ctx: Context, messages: Record<string, string>): string | null {
  const done = ctx.query.done;
  return typeof done === 'string' && Object.hasOwn(messages, done) ? messages[done]! : null;
}
