// Reading a person's HTML form post (application/x-www-form-urlencoded): at most `limit` bytes
// (413 beyond), and each named field as one string; a missing or repeated field reads as ''.
import { parse as parseForm } from 'node:querystring';
import type { Context } from 'koa';
import { readBody } from '../device/body.ts';

export const FORM_LIMIT = 8 * 1024;

export async function readFormFields<Name extends string>(ctx: Context, names: readonly Name[], limit = FORM_LIMIT): Promise<Record<Name, string>> {
  const form = parseForm((await readBody(ctx, limit)).toString('utf8'));
  return Object.fromEntries(names.map((name) => [name, typeof form[name] === 'string' ? form[name] : ''])) as Record<Name, string>;
}
