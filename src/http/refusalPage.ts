// A refused action of a page for people (the account page, the admin console) as a page that
// says what happened, in that page's own words, and leads back to it; the status, and headers
// such as Retry-After, are kept. Anything else goes on to the outer error handler.
import type { Context, Middleware } from 'koa';
import { ProtocolError } from '../protocol/errors.ts';
import { render } from './render.ts';

/** `titles`: the heading for each status the page answers itself; `view` gets `title` and `message`. */
export function refusalPage(view: string, titles: Record<number, string>, titleFor: (error: ProtocolError) => string | undefined = () => undefined): Middleware {
  return async (ctx: Context, next: () => Promise<unknown>) => {
    try {
      await next();
    } catch (error) {
      if (!(error instanceof ProtocolError) || !titles[error.status]) throw error;
      ctx.set(error.headers);
      await render(ctx, view, { title: titleFor(error) ?? titles[error.status], message: error.message }, error.status);
    }
  };
}
