// The pages of the device authorization grant (RFC 8628) in Scanin's layout: the person types
// the code their TV or terminal shows, confirms which app it is, then signs in by QR code like any
// login; the engine's own pages would load a third-party font and run inline script.
import type { KoaContextWithOIDC } from 'oidc-provider';
import { mountedBasePath } from '../http/issuerPath.ts';
import { renderView } from '../http/render.ts';

function formFields(ctx: KoaContextWithOIDC) {
  return {
    base: mountedBasePath(ctx.req),
    action: ctx.oidc.urlFor('code_verification'),
    xsrf: (ctx.oidc.session!.state as { secret: string }).secret,
  };
}

/** Why the code was not accepted, in the person's words (the engine names the error). */
function problem(error: (Error & { userCode?: string }) | undefined): string | undefined {
  if (!error) return undefined;
  if (error.name === 'NoCodeError') return 'Type the code your device shows.';
  if (error.name === 'AbortedError') return 'The sign-in was cancelled. Start again on your device.';
  if (error.name === 'ExpiredError') return 'This code has expired. Start again on your device to get a new one.';
  if (error.name === 'AlreadyUsedError') return 'This code was already used. Start again on your device to get a new one.';
  if (error.userCode !== undefined || error.name === 'NotFoundError') return 'That code is not right. Check it and type it again.';
  return 'Something went wrong with this code. Start again on your device.';
}

export async function userCodeInputSource(ctx: KoaContextWithOIDC, _form: string, _out?: unknown, error?: Error): Promise<void> {
  ctx.type = 'html';
  ctx.body = await renderView('device-code', { ...formFields(ctx), problem: problem(error) });
}

export async function userCodeConfirmSource(
  ctx: KoaContextWithOIDC,
  _form: string,
  client: { clientName?: string; clientId: string },
  deviceInfo: { ip?: string; ua?: string } | undefined,
  userCode: string,
): Promise<void> {
  ctx.type = 'html';
  ctx.body = await renderView('device-confirm', {
    ...formFields(ctx),
    clientName: client.clientName ?? client.clientId,
    device: deviceInfo ?? {},
    userCode,
  });
}

export async function successSource(ctx: KoaContextWithOIDC): Promise<void> {
  const client = ctx.oidc.client;
  ctx.type = 'html';
  ctx.body = await renderView('device-done', { base: mountedBasePath(ctx.req), clientName: client?.clientName ?? client?.clientId ?? 'the app' });
}
