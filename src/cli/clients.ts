// `scanin clients …`: the applications that sign people in, from clients.json (read at start,
// changed by editing the file) and from dynamic registration (in the database): list, show,
// rotate-secret and delete. Secrets are never printed, but the new one of a rotation, once.
import { allClients, removeRegisteredClient, rotateClientSecret } from '../oidc/clientCatalog.ts';
import { auditAdmin, JSON_OPTION, printList, withDatabase, type CommandGroup } from './shared.ts';

export const clients: CommandGroup = {
  summary: 'clients: list, show, rotate-secret, delete',
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
