// `scanin clients …`: the applications that sign people in, from clients.json (read at start,
// changed by editing the file) and from the database (made here, in the admin console or by
// dynamic registration): list, show, create, update, rotate-secret and delete. Secrets are never
// printed, but the one of a new client or a rotation, once.
import { systemClock } from '../clock.ts';
import { allClients, createRegisteredClient, removeRegisteredClient, requireRegistered, rotateClientSecret, updateRegisteredClient, type ValidateClient } from '../oidc/clientCatalog.ts';
import { checkClientFields, clientFieldsOf, newClientMetadata, rolesOfLines, withClientFields, type ClientFields } from '../oidc/clientFields.ts';
import { defaultIssuer, type Config } from '../config/env.ts';
import { auditAdmin, JSON_OPTION, printList, withDatabase, type CommandGroup, type Values } from './shared.ts';

const list = (value: Values[string]): string[] | undefined => (Array.isArray(value) ? value : typeof value === 'string' ? [value] : undefined);

/** The fields given on the command line over `current` (a new client's: none). */
function fieldsOf(values: Values, current: ClientFields): ClientFields {
  return {
    client_name: typeof values.name === 'string' ? values.name : current.client_name,
    redirect_uris: list(values['redirect-uri']) ?? current.redirect_uris,
    post_logout_redirect_uris: list(values['post-logout-redirect-uri']) ?? current.post_logout_redirect_uris,
    allowed_groups: values.anyone ? [] : (list(values['allowed-group']) ?? current.allowed_groups),
    roles: values['no-roles'] ? {} : values.role === undefined ? current.roles : rolesOfLines(list(values.role)!),
    first_party: values['first-party'] === true ? true : values['third-party'] === true ? false : current.first_party,
  };
}

/** The engine the server runs checks the client first; loaded only by the commands that need it. */
async function engineCheck(config: Config): Promise<ValidateClient> {
  const { clientValidator } = await import('../oidc/clientValidator.ts');
  return clientValidator(config.issuer ?? defaultIssuer(config.host, config.port));
}

const FIELD_OPTIONS = {
  name: { type: 'string' },
  'redirect-uri': { type: 'string', multiple: true },
  'post-logout-redirect-uri': { type: 'string', multiple: true },
  'allowed-group': { type: 'string', multiple: true },
  role: { type: 'string', multiple: true },
  'first-party': { type: 'boolean' },
} as const;

export const clients: CommandGroup = {
  summary: 'clients: list, show, create, update, rotate-secret, delete',
  subcommands: {
    list: {
      summary: 'list the clients of clients.json and those registered dynamically',
      usage: 'Usage: scanin clients list [--json]\n\nEvery client: its id, name, where it comes from (clients.json or registered) and whether it is public or confidential. Secrets are not shown.',
      positionals: 0,
      options: JSON_OPTION,
      async run(_args, values) {
        const rows = await withDatabase((db, config) => allClients(db, config.clientsFile));
        printList(rows, values, (row) => `${row.client_id}\t${row.client_name ?? '-'}\t${row.source}\t${row.type}`, 'no clients: add one to clients.json');
        return 0;
      },
    },
    show: {
      summary: "show a client's metadata (without its secret)",
      usage: 'Usage: scanin clients show <client_id> [--json]',
      positionals: 1,
      options: JSON_OPTION,
      async run([clientId], values) {
        const client = (await withDatabase((db, config) => allClients(db, config.clientsFile))).find((row) => row.client_id === clientId);
        if (!client) throw new Error(`no client "${clientId}" (scanin clients list shows them)`);
        if (values.json) console.log(JSON.stringify(client, null, 2));
        else for (const [key, value] of Object.entries(client)) console.log(`${key}\t${typeof value === 'string' ? value : JSON.stringify(value)}`);
        return 0;
      },
    },
    create: {
      summary: 'make a client, kept in the database: its client_id (and secret) printed once',
      usage: `Usage: scanin clients create --name <name> --redirect-uri <uri> [--redirect-uri <uri> …]
                            [--post-logout-redirect-uri <uri> …] [--public]
                            [--allowed-group <group> …] [--role <role>=<group>,<group> …]
                            [--first-party] [--json]

A confidential client (client_secret_basic, a secret) unless --public (no secret, PKCE), with the
code flow and refresh tokens. --allowed-group: only members of these existing groups may sign in.
--role: members of these existing groups get the role in the client's \`roles\` claim (one --role
per role). --first-party: no consent page. The engine checks it as the server will before it is
stored; it works at once on every instance. Prints client_id, then the secret, once (--json: both as JSON).`,
      positionals: 0,
      options: { ...FIELD_OPTIONS, public: { type: 'boolean' }, ...JSON_OPTION },
      async run(_args, values) {
        const made = await withDatabase(async (db, config) => {
          const fields = await checkClientFields(db, fieldsOf(values, { client_name: '', redirect_uris: [], post_logout_redirect_uris: [], allowed_groups: [], roles: {}, first_party: false }));
          const type = values.public ? 'public' : 'confidential';
          const { metadata, secret } = newClientMetadata(fields, type, systemClock());
          await createRegisteredClient(db, config.clientsFile, await engineCheck(config), metadata);
          await auditAdmin(db, config, { event: 'admin.client_created', client_id: metadata.client_id, detail: { client_name: fields.client_name, type, by: 'cli' } });
          return { client_id: metadata.client_id, client_secret: secret };
        });
        if (values.json) console.log(JSON.stringify(made, null, 2));
        else console.log(`client_id\t${made.client_id}${made.client_secret ? `\nclient_secret\t${made.client_secret}\n(the secret is shown only now)` : '\npublic client: no secret (PKCE)'}`);
        return 0;
      },
    },
    update: {
      summary: 'change a client kept in the database (what is not given stays)',
      usage: `Usage: scanin clients update <client_id> [--name <name>] [--redirect-uri <uri> …]
                            [--post-logout-redirect-uri <uri> …] [--allowed-group <group> … | --anyone]
                            [--role <role>=<group>,<group> … | --no-roles] [--first-party | --third-party]

A list given replaces the client's (all its roles, for --role); --anyone removes its access rule,
--no-roles its roles, --third-party its first-party flag. The type and the secret stay
(rotate-secret changes the secret). Checked by the engine first; holds at the next request, on
every instance. For a client of clients.json, change the file and restart.`,
      positionals: 1,
      options: { ...FIELD_OPTIONS, anyone: { type: 'boolean' }, 'no-roles': { type: 'boolean' }, 'third-party': { type: 'boolean' } },
      async run([clientId], values) {
        if (values.anyone && values['allowed-group']) throw new Error('give --allowed-group or --anyone, not both');
        if (values['no-roles'] && values.role) throw new Error('give --role or --no-roles, not both');
        if (values['first-party'] && values['third-party']) throw new Error('give --first-party or --third-party, not both');
        await withDatabase(async (db, config) => {
          const client = await requireRegistered(db, config.clientsFile, clientId!);
          const fields = await checkClientFields(db, fieldsOf(values, clientFieldsOf(client)));
          await updateRegisteredClient(db, config.clientsFile, await engineCheck(config), withClientFields(client, fields));
          await auditAdmin(db, config, { event: 'admin.client_updated', client_id: clientId!, detail: { client_name: fields.client_name, by: 'cli' } });
        });
        console.log(`updated client ${clientId}`);
        return 0;
      },
    },
    'rotate-secret': {
      summary: "give a registered confidential client a new secret (the old one stops working at once)",
      usage: 'Usage: scanin clients rotate-secret <client_id>\n\nPrints the new secret once, as the last line. For a client of clients.json, change its client_secret there and restart.',
      positionals: 1,
      options: {},
      async run([clientId]) {
        const secret = await withDatabase(async (db, config) => {
          const rotated = await rotateClientSecret(db, config.clientsFile, clientId!);
          await auditAdmin(db, config, { event: 'admin.client_secret_rotated', client_id: clientId! });
          return rotated;
        });
        console.log(`new secret of ${clientId} (shown once; the old one no longer works):`);
        console.log(secret);
        return 0;
      },
    },
    delete: {
      summary: 'delete a registered client: it can no longer sign anyone in, and its tokens are refused',
      usage: 'Usage: scanin clients delete <client_id>\n\nFor a client of clients.json, remove it there and restart.',
      positionals: 1,
      options: {},
      async run([clientId]) {
        await withDatabase(async (db, config) => {
          await removeRegisteredClient(db, config.clientsFile, clientId!);
          await auditAdmin(db, config, { event: 'admin.client_deleted', client_id: clientId! });
        });
        console.log(`deleted client ${clientId}`);
        return 0;
      },
    },
  },
};
