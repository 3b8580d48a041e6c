// `npx scanin <command>`: run the server and administer accounts from the shell.
import { parseArgs } from 'node:util';
import { commands, type Command } from './commands.ts';
import { parseArgsMessage } from './parseArgsMessage.ts';

const USAGE = `Usage: scanin <command> [options]

Commands:
${Object.entries(commands).map(([name, command]) => `  ${name.padEnd(10)} ${command.summary}`).join('\n')}

Run "scanin <command> --help" for a command's options. Configuration comes from environment
variables (PORT, ISSUER, DATABASE_URL, CLIENTS_FILE, …): see the README.`;

export class UsageError extends Error {}

// A device_id is 43 base64url characters and may begin with "-": shaped like that, an argument
// is a device_id, never an option (`scanin revoke -b_…`). `--` still works as usual.
const DASHED_DEVICE_ID = /^-[A-Za-z0-9_-]{42}$/;

function dashedIdsAsPositionals(args: string[]): string[] {
  const end = args.includes('--') ? args.indexOf('--') : args.length;
  const head = args.slice(0, end);
  const ids = head.filter((arg) => DASHED_DEVICE_ID.test(arg));
  if (ids.length === 0) return args;
  return [...head.filter((arg) => !DASHED_DEVICE_ID.test(arg)), '--', ...ids, ...args.slice(end + 1)];
}

async function run(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    console.log(USAGE);
    return name ? 0 : 2;
  }
  const command: Command | undefined = commands[name];
  if (!command) {
    console.error(`scanin: unknown command "${name}"\n\n${USAGE}`);
    return 2;
  }
  let parsed;
  try {
    parsed = parseArgs({ args: dashedIdsAsPositionals(rest), options: { ...command.options, help: { type: 'boolean', short: 'h' } }, allowPositionals: true, strict: true });
  } catch (error) {
    console.error(`scanin ${name}: ${parseArgsMessage(error as NodeJS.ErrnoException)}\n\n${command.usage}`);
    return 2;
  }
  if (parsed.values.help) {
    console.log(command.usage);
    return 0;
  }
  if (parsed.positionals.length !== command.positionals) {
    console.error(`scanin ${name}: expected ${command.positionals} argument(s)\n\n${command.usage}`);
    return 2;
  }
  try {
    return await command.run(parsed.positionals, parsed.values);
  } catch (error) {
    console.error(`scanin ${name}: ${(error as Error).message}`);
    return 1;
  }
}

process.exitCode = await run(process.argv.slice(2));
