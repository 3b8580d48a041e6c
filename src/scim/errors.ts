// SCIM's own error answer (RFC 7644 §3.12): `{"schemas": [Error], "status": "400", "scimType",
// "detail"}` as application/scim+json. Every refusal under /scim/v2 is one of these, including
// the body reader's 413 and 400 and an unknown path's 404, so that a provisioning client always
// reads a SCIM error.
import type { Context, Next } from 'koa';
import { ProtocolError } from '../protocol/errors.ts';

export const ERROR_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:Error';
export const SCIM_JSON = 'application/scim+json';

export type ScimType = 'invalidFilter' | 'tooMany' | 'uniqueness' | 'mutability' | 'invalidSyntax' | 'invalidPath' | 'noTarget' | 'invalidValue';

export class ScimError extends Error {
  constructor(readonly status: number, readonly scimType: ScimType | undefined, detail: string) {
    super(detail);
  }
}

export const invalidValue = (detail: string) => new ScimError(400, 'invalidValue', detail);
export const invalidSyntax = (detail: string) => new ScimError(400, 'invalidSyntax', detail);
export const uniqueness = (detail: string) => new ScimError(409, 'uniqueness', detail);
export const resourceNotFound = (what: string) => new ScimError(404, undefined, `${what} does not exist`);

export function scimBody(ctx: Context, status: number, body: unknown): void {
  ctx.status = status;
  ctx.type = SCIM_JSON;
  ctx.set('Cache-Control', 'no-store');
  ctx.body = body;
}

export async function scimErrors(ctx: Context, next: Next): Promise<void> {
  try {
    await next();
    if (ctx.status === 404 && ctx.body === undefined) throw resourceNotFound(ctx.path);
  } catch (caught) {
    const error = caught instanceof ScimError ? caught : caught instanceof ProtocolError ? new ScimError(caught.status, caught.status === 400 ? 'invalidSyntax' : undefined, caught.message) : undefined;
    if (!error) throw caught;
    if (error.status === 401) ctx.set('WWW-Authenticate', 'Bearer realm="scim"');
    scimBody(ctx, error.status, { schemas: [ERROR_SCHEMA], status: String(error.status), ...(error.scimType ? { scimType: error.scimType } : {}), detail: error.message });
  }
}
