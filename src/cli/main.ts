// `npx scanin <command>`: run the server and administer accounts from the shell.
import { parseArgs } from 'node:util';
import { commands, type Command, type CommandGroup } from './commands.ts';
import { unknownVariableWarnings } from '../config/unknownVariables.ts';
import { parseArgsMessage } from './parseArgsMessage.ts';
import type { Values } from './shared.ts';

const USAGE = `Usage: scanin <command> [options]

Commands:
${Object.entries(commands).map(([name, command]) => `  ${name.padEnd(10)} ${command.summary}`).join('\n')}

Run "scanin <command> --help" for a command's options. Configuration comes from environment
variables (PORT, ISSUER, DATABASE_URL, CLIENTS_FILE, …): see the README.`;

// Our ids are base64url and may begin with "-": a sub or an engine uid (21–22 characters), a
// device_id (43). Shaped like that, an argument is an id, never an option (`scanin revoke -b_…`,
// `scanin users show -Ix…`); it stands in for itself under a placeholder while the options are
// parsed, so positionals keep their order (and an option's value, `--user -Ix…`, stays itself). `--` still works as usual.
const DASHED_ID = /^-[A-Za-z0-9_-]{20,}$/;
const PLACEHOLDER = '\u0000id:';

function parseCommandArgs(args: string[], options: Command['options']) {
  const end = args.includes('--') ? args.indexOf('--') : args.length;
  const shielded = args.map((arg, i) => (i < end && DASHED_ID.test(arg) ? `${PLACEHOLDER}${arg}` : arg));
  const parsed = parseArgs({ args: shielded, options, allowPositionals: true, strict: true });
  const unshield = <T,>(arg: T): T => (typeof arg === 'string' && arg.startsWith(PLACEHOLDER) ? (arg.slice(PLACEHOLDER.length) as T) : arg);
  const values = Object.fromEntries(Object.entries(parsed.values).map(([name, value]) => [name, Array.isArray(value) ? value.map(unshield) : unshield(value)])) as Values;
  return { values, positionals: parsed.positionals.map(unshield) };
}

function groupUsage(name: string, group: CommandGroup): string {
  return `Usage: scanin ${name} <${Object.keys(group.subcommands).join('|')}> …

${Object.entries(group.subcommands).map(([verb, command]) => `  ${verb.padEnd(8)} ${command.summary}`).join('\n')}

Run "scanin ${name} <verb> --help" for its arguments.`;
}

/** Finds the command `argv` names (a command, or a group and its verb), or says why not. */
function lookUp(argv: string[]): { command: Command; label: string; rest: string[] } | { exit: number } {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    console.log(USAGE);
    return { exit: name ? 0 : 2 };
  }
  const entry = commands[name];
  if (!entry) {
    console.error(`scanin: unknown command "${name}"\n\n${USAGE}`);
    return { exit: 2 };
  }
  if (!('subcommands' in entry)) return { command: entry, label: name, rest };
  const [verb, ...args] = rest;
  if (verb === '--help' || verb === '-h') {
    console.log(groupUsage(name, entry));
    return { exit: 0 };
  }
  const command = verb === undefined ? undefined : entry.subcommands[verb];
  if (!command) {
    console.error(`scanin ${name}: ${verb === undefined ? 'which one?' : `unknown verb "${verb}"`}\n\n${groupUsage(name, entry)}`);
    return { exit: 2 };
  }
  return { command, label: `${name} ${verb}`, rest: args };
}

async function run(argv: string[]): Promise<number> {
  const found = lookUp(argv);
  if ('exit' in found) return found.exit;
  const { command, label, rest } = found;
  let parsed;
  try {
    parsed = parseCommandArgs(rest, { ...command.options, help: { type: 'boolean', short: 'h' } });
  } catch (error) {
    console.error(`scanin ${label}: ${parseArgsMessage(error as NodeJS.ErrnoException)}\n\n${command.usage}`);
    return 2;
  }
  if (parsed.values.help) {
    console.log(command.usage);
    return 0;
  }
  if (parsed.positionals.length !== command.positionals) {
    console.error(`scanin ${label}: expected ${command.positionals} argument(s)\n\n${command.usage}`);
    return 2;
  }
  // Every command, serve included, reads the same configuration: one place to warn about it.
  for (const warning of unknownVariableWarnings(process.env)) console.error(`scanin ${label}: warning: ${warning}`);
  try {
    return await command.run(parsed.positionals, parsed.values);
  } catch (error) {
    console.error(`scanin ${label}: ${(error as Error).message}`);
    return 1;
  }
}

process.exitCode = await run(process.argv.slice(2));
