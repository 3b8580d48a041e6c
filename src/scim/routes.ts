// /scim/v2 (RFC 7644), on with SCIM_TOKEN: the service provider's configuration, Users and
// Groups — list (filter, startIndex, count), read, create, replace, patch, delete. Every answer is
// application/scim+json; every refusal a SCIM error (errors.ts).
import type { Context, Middleware } from 'koa';
import Router from '@koa/router';
import { readBody } from '../device/body.ts';
import { decodeUtf8 } from '../device/utf8.ts';
import { clientIp } from '../http/ip.ts';
import type { Services } from '../services.ts';
import { listScimUsers } from '../store/scimUsers.ts';
import { bearerGuard } from './bearer.ts';
import { invalidSyntax, invalidValue, resourceNotFound, ScimError, scimBody, scimErrors } from './errors.ts';
import { listResponse, MAX_RESULTS, resourceTypes, schemas, serviceProviderConfig } from './discovery.ts';
import { parseGroupFilter, parseUserFilter } from './filter.ts';
import { applyGroupPatch } from './groupPatch.ts';
import { createScimGroup, deleteScimGroup, groupInput, replaceScimGroup, requireScimGroup } from './groupProvisioning.ts';
import { groupResource, parseGroupInput } from './groupResource.ts';
import { listScimGroups } from '../store/scimGroups.ts';
import { applyPatch } from './patch.ts';
import { createUser, deleteUser, replaceUser, requireUser } from './provisioning.ts';
import { parseUserInput, userResource } from './userResource.ts';

const BODY_LIMIT = 64 * 1024;

async function readScimJson(ctx: Context): Promise<Record<string, unknown>> {
  const raw = await readBody(ctx, BODY_LIMIT);
  if (!ctx.is('application/scim+json', 'application/json')) throw invalidSyntax('the body must be application/scim+json (or application/json)');
  const text = decodeUtf8(raw);
  let value: unknown;
  try {
    value = text === null ? undefined : JSON.parse(text);
  } catch {
    value = undefined;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw invalidSyntax('the body must be a JSON object');
  return value as Record<string, unknown>;
}

/** A whole number query parameter (1-based startIndex, count), or its default. */
function queryNumber(ctx: Context, name: string, fallback: number, min: number): number {
  const raw = ctx.query[name];
  if (raw === undefined) return fallback;
  if (typeof raw !== 'string' || !/^-?\d{1,9}$/.test(raw)) throw invalidValue(`${name} must be a whole number`);
  return Math.max(min, Number(raw));
}

/** Everything under /scim/ (an unknown path, a wrong method, a missing token: SCIM errors too). */
export function scimApi(services: Services, token: string): Middleware {
  const scim = new Router({ prefix: '/scim/v2' });
  const base = `${services.issuer}/scim/v2`;
  const location = (id: string) => `${base}/Users/${id}`;
  const groupLocation = (id: string) => `${base}/Groups/${id}`;
  /** Entra ID lists groups with excludedAttributes=members: a big group's members are not read. */
  const withMembers = (ctx: Context) => !(typeof ctx.query.excludedAttributes === 'string' && ctx.query.excludedAttributes.split(',').some((name) => name.trim().toLowerCase() === 'members'));
  const showGroup = (ctx: Context, status: number, group: Awaited<ReturnType<typeof requireScimGroup>>) => scimBody(ctx, status, groupResource(group, groupLocation(group.group.id), location, withMembers(ctx)));

  scim.get('/ServiceProviderConfig', (ctx) => scimBody(ctx, 200, serviceProviderConfig(base)));
  scim.get('/ResourceTypes', (ctx) => scimBody(ctx, 200, listResponse(resourceTypes(base), resourceTypes(base).length, 1)));
  scim.get('/ResourceTypes/:id', (ctx) => {
    const found = resourceTypes(base).find((type) => type.id === ctx.params.id);
    if (!found) throw resourceNotFound(`ResourceType ${ctx.params.id}`);
    scimBody(ctx, 200, found);
  });
  scim.get('/Schemas', (ctx) => scimBody(ctx, 200, listResponse(schemas(base), schemas(base).length, 1)));
  scim.get('/Schemas/:id', (ctx) => {
    const found = schemas(base).find((schema) => schema.id === ctx.params.id);
    if (!found) throw resourceNotFound(`Schema ${ctx.params.id}`);
    scimBody(ctx, 200, found);
  });

  scim.get('/Users', async (ctx) => {
    const filter = parseUserFilter(typeof ctx.query.filter === 'string' ? ctx.query.filter : undefined);
    const startIndex = queryNumber(ctx, 'startIndex', 1, 1);
    const count = Math.min(queryNumber(ctx, 'count', 100, 0), MAX_RESULTS);
    const { total, users } = await listScimUsers(services.db, filter, startIndex - 1, count);
    scimBody(ctx, 200, listResponse(users.map((user) => userResource(user, location(user.account.id))), total, startIndex));
  });

  scim.post('/Users', async (ctx) => {
    const user = await createUser(services, parseUserInput(await readScimJson(ctx)), clientIp(ctx));
    ctx.set('Location', location(user.account.id));
    scimBody(ctx, 201, userResource(user, location(user.account.id)));
  });

  scim.get('/Users/:id', async (ctx) => {
    const user = await requireUser(services, ctx.params.id!);
    scimBody(ctx, 200, userResource(user, location(user.account.id)));
  });

  scim.put('/Users/:id', async (ctx) => {
    const input = parseUserInput(await readScimJson(ctx));
    const user = await replaceUser(services, await requireUser(services, ctx.params.id!), input, clientIp(ctx));
    scimBody(ctx, 200, userResource(user, location(user.account.id)));
  });

  scim.patch('/Users/:id', async (ctx) => {
    const body = await readScimJson(ctx);
    const current = await requireUser(services, ctx.params.id!);
    const input = parseUserInput(applyPatch(userResource(current, location(current.account.id)), body));
    const user = await replaceUser(services, current, input, clientIp(ctx));
    scimBody(ctx, 200, userResource(user, location(user.account.id)));
  });

  scim.delete('/Users/:id', async (ctx) => {
    await deleteUser(services, await requireUser(services, ctx.params.id!), clientIp(ctx));
    ctx.status = 204;
  });

  scim.get('/Groups', async (ctx) => {
    const filter = parseGroupFilter(typeof ctx.query.filter === 'string' ? ctx.query.filter : undefined);
    const startIndex = queryNumber(ctx, 'startIndex', 1, 1);
    const count = Math.min(queryNumber(ctx, 'count', 100, 0), MAX_RESULTS);
    const members = withMembers(ctx);
    const { total, groups } = await listScimGroups(services.db, filter, startIndex - 1, count, members);
    scimBody(ctx, 200, listResponse(groups.map((group) => groupResource(group, groupLocation(group.group.id), location, members)), total, startIndex));
  });

  scim.post('/Groups', async (ctx) => {
    const group = await createScimGroup(services, parseGroupInput(await readScimJson(ctx)), clientIp(ctx));
    ctx.set('Location', groupLocation(group.group.id));
    showGroup(ctx, 201, group);
  });

  scim.get('/Groups/:id', async (ctx) => showGroup(ctx, 200, await requireScimGroup(services, ctx.params.id!)));

  scim.put('/Groups/:id', async (ctx) => {
    const input = parseGroupInput(await readScimJson(ctx));
    showGroup(ctx, 200, await replaceScimGroup(services, await requireScimGroup(services, ctx.params.id!), input, clientIp(ctx)));
  });

  scim.patch('/Groups/:id', async (ctx) => {
    const body = await readScimJson(ctx);
    const current = await requireScimGroup(services, ctx.params.id!);
    showGroup(ctx, 200, await replaceScimGroup(services, current, applyGroupPatch(groupInput(current), body), clientIp(ctx)));
  });

  scim.delete('/Groups/:id', async (ctx) => {
    await deleteScimGroup(services, await requireScimGroup(services, ctx.params.id!), clientIp(ctx));
    ctx.status = 204;
  });

  const routes = scim.routes() as unknown as Middleware;
  const allowed = scim.allowedMethods({ throw: true, methodNotAllowed: () => new ScimError(405, undefined, 'this method is not allowed here'), notImplemented: () => new ScimError(501, undefined, 'this method is not implemented') }) as unknown as Middleware;
  const guard = bearerGuard(token);
  const done = async () => {};
  return async (ctx, next) => {
    if (!ctx.path.startsWith('/scim/')) return next();
    await scimErrors(ctx, () => guard(ctx, () => allowed(ctx, () => routes(ctx, done))));
  };
}
