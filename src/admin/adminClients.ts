// The console's applications: those of clients.json (changed by editing the file: shown, not
// changed here) and those registered in the database.
//   GET  /admin/clients                      every client, where it comes from, public or confidential
//   GET  /admin/clients/new                  the form for a new app (clientForm.ts says its fields)
//   POST /admin/clients/create               the app is stored in the database; its client_id (and secret) shown once
//   GET  /admin/clients/:id                  its metadata, without secrets
//   GET  /admin/clients/:id/edit             a registered app's form: name, redirect URIs, access rule, roles, first party
//   POST /admin/clients/:id/edit             the change holds at the next request, on every instance
//   POST /admin/clients/:id/rotate-secret    a registered confidential client's new secret, shown once
//   POST /admin/clients/:id/delete           a registered client deleted: it signs nobody in, its tokens are refused
import type Router from '@koa/router';
import type { Context } from 'koa';
import { doneMessage } from '../http/doneMessage.ts';
import { allClients, ClientCatalogError, createRegisteredClient, removeRegisteredClient, requireRegistered, rotateClientSecret, updateRegisteredClient, type ClientListing, type ValidateClient } from '../oidc/clientCatalog.ts';
import type { Services } from '../services.ts';
import { checkClientFields, clientFieldsOf, newClientMetadata, withClientFields } from '../oidc/clientFields.ts';
import { clientFieldsOfForm, clientTypeOfForm } from './clientForm.ts';
import { adminAction, adminFormOf, adminPage, auditConsole, backTo, namedInPath, notFoundHere, refusedBecause, renderAdminView } from './adminSession.ts';

const DONE = {
  deleted: 'The app was deleted: it can no longer sign anyone in, and its tokens are refused.',
  updated: 'The app was changed: the change holds from its next request on.',
};

const clientIdOf = (ctx: Context) => String(ctx.params.id ?? '');

async function catalogChange<T>(change: () => Promise<T>): Promise<T> {
  try {
    return await change();
  } catch (error) {
    if (!(error instanceof ClientCatalogError)) throw error;
    throw error.kind === 'not_found' ? notFoundHere('app') : refusedBecause(error.message);
  }
}

/** A client's metadata as name/value lines, arrays and objects as JSON. */
function metadataLines(client: ClientListing): Array<{ name: string; value: string }> {
  return Object.entries(client).map(([name, value]) => ({ name, value: typeof value === 'string' ? value : JSON.stringify(value) }));
}

export function mountAdminClients(router: Router, services: Services): void {
  const { db } = services;
  const { clientsFile } = services.config;
  const validate: ValidateClient = (metadata) => services.provider.Client.validate(metadata as never);
  const onClient = (anchor: string) => adminAction(services, (ctx) => `/admin/clients/${encodeURIComponent(clientIdOf(ctx))}${anchor}`);

  router.get('/admin/clients', ...adminPage(services), async (ctx) => {
    await renderAdminView(ctx, 'admin-clients', 'clients', { clients: await allClients(db, clientsFile), clientsFile, done: doneMessage(ctx, DONE) });
  });

  router.get('/admin/clients/new', ...adminPage(services), async (ctx) => {
    await renderAdminView(ctx, 'admin-client-form', 'clients', { client: null, fields: null });
  });

  router.post('/admin/clients/create', ...adminAction(services, '/admin/clients/new'), async (ctx) => {
    const form = adminFormOf(ctx);
    const fields = await catalogChange(() => checkClientFields(db, clientFieldsOfForm(form)));
    const type = clientTypeOfForm(form);
    const { metadata, secret } = newClientMetadata(fields, type, services.clock());
    await catalogChange(() => createRegisteredClient(db, clientsFile, validate, metadata));
    await auditConsole(ctx, services, { event: 'admin.client_created', client_id: metadata.client_id, detail: { client_name: fields.client_name, type } });
    await renderAdminView(ctx, 'admin-client-secret', 'clients', { clientId: metadata.client_id, secret, created: true });
  });

  router.get('/admin/clients/:id', ...adminPage(services), async (ctx) => {
    const client = await namedInPath(ctx, async (id) => (await allClients(db, clientsFile)).find((row) => row.client_id === id), 'app');
    await renderAdminView(ctx, 'admin-client', 'clients', { client, lines: metadataLines(client), clientsFile, done: doneMessage(ctx, DONE) });
  });

  router.get('/admin/clients/:id/edit', ...adminPage(services), async (ctx) => {
    const client = await catalogChange(() => requireRegistered(db, clientsFile, clientIdOf(ctx)));
    await renderAdminView(ctx, 'admin-client-form', 'clients', { client, fields: clientFieldsOf(client) });
  });

  router.post('/admin/clients/:id/edit', ...onClient('/edit'), async (ctx) => {
    const client = await catalogChange(() => requireRegistered(db, clientsFile, clientIdOf(ctx)));
    const fields = await catalogChange(() => checkClientFields(db, clientFieldsOfForm(adminFormOf(ctx))));
    await catalogChange(() => updateRegisteredClient(db, clientsFile, validate, withClientFields(client, fields)));
    await auditConsole(ctx, services, { event: 'admin.client_updated', client_id: client.client_id, detail: { client_name: fields.client_name } });
    backTo(ctx, services, `/admin/clients/${encodeURIComponent(client.client_id)}?done=updated`);
  });

  router.post('/admin/clients/:id/rotate-secret', ...onClient('#secret'), async (ctx) => {
    const clientId = clientIdOf(ctx);
    const secret = await catalogChange(() => rotateClientSecret(db, clientsFile, clientId));
    await auditConsole(ctx, services, { event: 'admin.client_secret_rotated', client_id: clientId });
    await renderAdminView(ctx, 'admin-client-secret', 'clients', { clientId, secret });
  });

  router.post('/admin/clients/:id/delete', ...onClient('#delete'), async (ctx) => {
    const clientId = clientIdOf(ctx);
    await catalogChange(() => removeRegisteredClient(db, clientsFile, clientId));
    await auditConsole(ctx, services, { event: 'admin.client_deleted', client_id: clientId });
    backTo(ctx, services, '/admin/clients?done=deleted');
  });
}
