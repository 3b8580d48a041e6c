// The outer layer that turns errors into answers: JSON `{"error", "error_description"}` for APIs
// (the device API and the browser's status and event endpoints), a readable page for people.
// Unexpected errors are logged and answered with a generic 500 that leaks nothing.
import type { Context, Next } from 'koa';
import { ProtocolError } from '../protocol/errors.ts';
import { render } from './render.ts';

type OidcError = Error & { statusCode?: number; status?: number; error?: string; error_description?: string; expose?: boolean };

function wantsJson(ctx: Context): boolean {
  return ctx.path.startsWith('/device/') || /\/(status|events)$/.test(ctx.path) || !ctx.accepts('html');
}

// One voice for every error page, Scanin's and the engine's: the heading says what happened to
// "this" page, link or request, in the words a person uses; the page's text says what to do.
const PAGE_TITLES: Record<number, string> = {
  400: 'This request is not valid',
  404: 'This page does not exist',
  405: 'This method is not allowed here',
  409: 'This has already been used',
  410: 'This link has expired',
  429: 'Too many attempts: please wait a moment',
};

// Codes whose heading says more than their status does.
const CODE_TITLES: Record<string, string> = {
  access_denied: 'This sign-in was refused',
};

export function errorTitle(status: number, code?: string): string {
  return (code && CODE_TITLES[code]) ?? PAGE_TITLES[status] ?? (status >= 500 ? 'This failed on our side' : 'This request is not valid');
}

type Described = { status: number; code: string; description: string; headers: Record<string, string>; details?: Record<string, unknown> };

function describe(error: OidcError): Described {
  if (error instanceof ProtocolError) {
    return { status: error.status, code: error.code, description: error.message, headers: error.headers, details: error.details };
  }
  // oidc-provider's errors (SessionNotFound, InvalidRequest, …) carry their own code and status.
  if (typeof error.error === 'string' && (error.statusCode ?? error.status)) {
    const status = error.statusCode ?? error.status!;
    // Said to a person whose interaction cookie is missing: the usual causes, in their words.
    const description = error.name === 'SessionNotFound'
      ? 'This sign-in has expired or was started in another browser. Go back to the app and sign in again.'
      : error.error_description ?? error.message;
    return { status, code: error.error, description, headers: {} };
  }
  if (error.expose && (error.status ?? 500) < 500) {
    return { status: error.status!, code: 'invalid_request', description: error.message, headers: {} };
  }
  return { status: 500, code: 'server_error', description: 'Something went wrong on our side.', headers: {} };
}

/** Answers `error` as JSON for APIs or as a page for people. */
export async function answerError(ctx: Context, caught: unknown): Promise<void> {
  const error = caught as OidcError;
  const { status, code, description, headers, details } = describe(error);
  if (status >= 500) ctx.state.log.error({ err: error }, 'request failed');
  ctx.set(headers);
  if (wantsJson(ctx)) {
    ctx.status = status;
    ctx.body = { error: code, error_description: description, ...details };
    return;
  }
  await render(ctx, 'error', { title: errorTitle(status), message: description, code }, status);
}

/** The 404 of a path nothing answered. */
export function notFound(path: string): ProtocolError {
  return new ProtocolError(404, 'not_found', `${path} does not exist`);
}

export async function errorHandler(ctx: Context, next: Next): Promise<void> {
  try {
    await next();
    if (ctx.status === 404 && ctx.body === undefined && ctx.respond !== false) throw notFound(ctx.path);
  } catch (caught) {
    await answerError(ctx, caught);
  }
}
