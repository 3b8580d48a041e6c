// Reading a device's JSON body: at most 64 KiB (413 beyond, without reading the rest), then a
// JSON object (400 otherwise). Nothing is looked up before the body has passed both.
import type { Context } from 'koa';
import { invalidRequest, payloadTooLarge } from '../protocol/errors.ts';
import { decodeUtf8 } from './utf8.ts';

export const DEVICE_BODY_LIMIT = 64 * 1024;

export async function readBody(ctx: Context, limit: number): Promise<Buffer> {
  const declared = Number(ctx.get('content-length') || 0);
  if (declared > limit) throw payloadTooLarge(limit);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of ctx.req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw payloadTooLarge(limit, true);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

export async function readJsonObject(ctx: Context, limit = DEVICE_BODY_LIMIT): Promise<Record<string, unknown>> {
  return parseJsonObject(ctx, await readBody(ctx, limit));
}

/** A body already read (e.g. to check its hash) as a JSON object. */
export function parseJsonObject(ctx: Context, raw: Buffer): Record<string, unknown> {
  if (!ctx.is('application/json')) throw invalidRequest('the body must be application/json');
  const text = decodeUtf8(raw);
  if (text === null) throw invalidRequest('the body is not valid UTF-8');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw invalidRequest('the body is not valid JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw invalidRequest('the body must be a JSON object');
  return value as Record<string, unknown>;
}

/** The body every device POST sends: `{"assertion": "<compact JWS>"}`. */
export async function readAssertionBody(ctx: Context): Promise<string> {
  const body = await readJsonObject(ctx);
  if (typeof body.assertion !== 'string' || body.assertion === '') throw invalidRequest('the body must have "assertion", a compact JWS string');
  return body.assertion;
}
