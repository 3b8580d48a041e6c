// `scanin-device`: the reference authenticator on the command line, a phone for tests, scripts
// and terminals. Exit codes: 0 done, 1 failed (the server's error code on stderr), 2 bad usage.
import { homedir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline/promises';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { parseArgsMessage } from '../cli/parseArgsMessage.ts';
import { DEVICE_ALGS, type DeviceAlg } from '../protocol/jwk.ts';
import { isUserVerificationMethod, USER_VERIFICATION_METHODS, type UserVerificationMethod } from '../protocol/userVerification.ts';
import { Authenticator, type Decision, type LoginRequest } from './authenticator.ts';
import { DEVICE_KEYS_VARIABLE } from './keysVariable.ts';

export type CliIo = {
  out: (line: string) => void;
  err: (line: string) => void;
  env: Record<string, string | undefined>;
  /** Asks the user; `null` when there is nobody to ask (not a terminal), or on end of input. */
  ask: ((question: string) => Promise<string | null>) | null;
  fetch?: typeof fetch;
  now?: () => number;
};

const USAGE = `Usage: scanin-device [--keys FILE] <command> [options]

The reference Scanin authenticator: does what a phone does after scanning a QR code.

Commands:
  enroll <url> [--name NAME] [--alg ES256|EdDSA] [--wait]
                                                    enroll a new device key from {issuer}/e/{eid}
  status <issuer> [--device ID] [--wait N]          this device's state on the server (active, pending_confirmation)
  approve <url> [--number NN] [--device ID] [--uv METHOD]
                                                    approve the login request {issuer}/q/{rid}
  deny <url> [--device ID]                          deny the login request {issuer}/q/{rid}
  list                                              show the enrolled devices
  vault-read <issuer>                               show this device's vault (decrypted) and its version
  vault-write <issuer> <text> --version N           encrypt <text> into the vault over version N

Options:
  --keys FILE   the key store (default: $SCANIN_DEVICE_KEYS, else ~/.scanin-device.json)
  -h, --help    show this help, or one command's: scanin-device <command> --help`;

type Options = NonNullable<ParseArgsConfig['options']>;

const COMMON: Options = { keys: { type: 'string' }, help: { type: 'boolean', short: 'h' } };

type Command = { usage: string; options: Options; positionals: string[] };

const COMMANDS: Record<string, Command> = {
  enroll: {
    usage: `Usage: scanin-device enroll <url> [--name NAME] [--alg ES256|EdDSA] [--wait]

Makes a key pair, proves it to the server at the enrollment URL and keeps it in the key store.
  --name NAME   the device name the server and the browser show (default: "scanin-device on <host>")
  --alg ALG     ES256 (P-256, the default) or EdDSA (Ed25519)
  --wait        when the device must be confirmed first (an add-device code), wait until the
                browser that showed the code confirms it (exit 0) or removes it (exit 1)`,
    options: { name: { type: 'string' }, alg: { type: 'string' }, wait: { type: 'boolean' } },
    positionals: ['url'],
  },
  status: {
    usage: `Usage: scanin-device status <issuer> [--device ID] [--wait N]

Asks the server about the device enrolled last at <issuer> (or --device): active, or
pending_confirmation until the browser that showed the add-device code confirms it. A device
that was removed, or never confirmed in time, is revoked: its key is deleted from the key store.
  --device ID   the device (device_id) to ask about
  --wait N      while it waits for confirmation, wait up to N seconds (1 to 30) for the answer`,
    options: { device: { type: 'string' }, wait: { type: 'string' } },
    positionals: ['issuer'],
  },
  approve: {
    usage: `Usage: scanin-device approve <url> [--number NN] [--device ID] [--uv METHOD]

Shows who is asking, then approves the login request with the device enrolled at its issuer
(the one of the account the request names, if it names one).
  --number NN   the number the browser shows, when it shows one; asked for on a terminal
  --device ID   the device (device_id) to answer with, when several accounts are enrolled there
  --uv METHOD   say that the device verified its user, and how: ${Object.keys(USER_VERIFICATION_METHODS).join(', ')}
                (signed as "uv": true, "uvm": METHOD). A test tool checks no one: a real app
                sends this only after its own PIN or the platform's check`,
    options: { number: { type: 'string' }, device: { type: 'string' }, uv: { type: 'string' } },
    positionals: ['url'],
  },
  deny: {
    usage: `Usage: scanin-device deny <url> [--device ID]

Shows who is asking, then denies the login request.
  --device ID   the device (device_id) to answer with, when several accounts are enrolled there`,
    options: { device: { type: 'string' } },
    positionals: ['url'],
  },
  list: {
    usage: `Usage: scanin-device list

Shows the enrolled devices (never their private keys).`,
    options: {},
    positionals: [],
  },
  'vault-read': {
    usage: `Usage: scanin-device vault-read <issuer>

Reads the vault of the device enrolled at <issuer> (e.g. https://id.example.com), decrypts it
with the vault key in the key store, and shows its version and text.`,
    options: {},
    positionals: ['issuer'],
  },
  'vault-write': {
    usage: `Usage: scanin-device vault-write <issuer> <text> --version N

Encrypts <text> and writes it as the vault of the device enrolled at <issuer>.
  --version N   the version being replaced, as vault-read showed it (0 for the first write).
                If someone wrote in between, the server refuses (version_conflict): read again.`,
    options: { version: { type: 'string' } },
    positionals: ['issuer', 'text'],
  },
};

class UsageError extends Error {
  constructor(message: string, readonly usage = USAGE) {
    super(message);
  }
}

/** parseArgs, with its complaints turned into usage errors. */
function parse(args: string[], options: Options, usage: string) {
  try {
    return parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code?.startsWith('ERR_PARSE_ARGS')) throw new UsageError(parseArgsMessage(error as NodeJS.ErrnoException), usage);
    throw error;
  }
}

function stringOption(values: Record<string, unknown>, name: string): string | undefined {
  const value = values[name];
  return typeof value === 'string' ? value : undefined;
}

function describeRequest(request: LoginRequest, nowMs: number): string[] {
  const now = Math.floor(nowMs / 1000);
  const left = request.expires_at - now;
  return [
    `Login request from ${request.client.name} (client_id ${request.client.client_id})`,
    ...(request.browser
      ? [`  browser: ${request.browser.user_agent}`, `  IP:      ${request.browser.ip}`, ...(request.browser.place ? [`  place:   ${request.browser.place}`] : [])]
      : [`  no browser: the app asked directly; it shows ${request.binding_message ? `"${request.binding_message}"` : 'no message'}`]),
    ...(request.transactions ?? []).map((transaction) => `  The app asks you to approve: ${transaction.description} (${transaction.type})`),
    ...(request.user_verification === 'required' ? ['  The app requires user verification: approve with --uv METHOD after checking who holds this device.'] : []),
    ...(request.proximity && !request.proximity.same_network
      ? [`  WARNING: this sign-in was started on another network (${request.proximity.browser_ip}) than this device's (${request.proximity.device_ip}). Approve only if you started it yourself.`]
      : []),
    // Read just now, so this clock's "now" is the read's: it shows the age as it was then.
    `  asked:   ${Math.max(0, now - request.created_at)} s ago`,
    `  expires: ${new Date(request.expires_at * 1000).toISOString()} (${left > 0 ? `in ${left} s` : 'expired'})`,
  ];
}

/** The number to sign when approving: from --number, else asked on the terminal. */
async function pickNumber(request: LoginRequest, given: string | undefined, io: CliIo): Promise<string | undefined> {
  const choices = request.number_choices;
  if (!choices) {
    if (given !== undefined) io.err('This request shows no number in the browser; --number is ignored.');
    return undefined;
  }
  if (given !== undefined) return given;
  if (!io.ask) throw new Error(`the browser shows a number: pass --number with the one it shows (${choices.join(', ')})`);
  for (;;) {
    const answer = await io.ask(`Which number does the browser show? [${choices.join(' / ')}] `);
    if (answer === null) throw new Error('no number given');
    if (choices.includes(answer.trim())) return answer.trim();
    io.err(`Type one of ${choices.join(', ')}.`);
  }
}

async function answerCommand(authenticator: Authenticator, decision: Decision, url: string, values: Record<string, unknown>, io: CliIo) {
  await authenticator.checkCanAnswer(url, stringOption(values, 'device'));
  const request = await authenticator.fetchLoginRequest(url);
  for (const line of describeRequest(request, (io.now ?? Date.now)())) io.out(line);
  const number = decision === 'approve' ? await pickNumber(request, stringOption(values, 'number'), io) : undefined;
  const deviceId = stringOption(values, 'device');
  const method = stringOption(values, 'uv');
  const verification = method === undefined ? {} : { userVerified: true, verificationMethod: method as UserVerificationMethod };
  const { status, access } = await authenticator.answerRequest(request, decision, { ...(number === undefined ? {} : { number }), ...(deviceId === undefined ? {} : { deviceId }), ...verification });
  io.out(status);
  if (access === 'denied') io.out(`You don't have access to ${request.client.name}: ask your administrator. The sign-in ends there.`);
}

async function run(argv: string[], io: CliIo): Promise<void> {
  // --keys and --help may come before the command. A lenient first pass finds where the
  // command is (it knows that --keys takes a value); the strict passes below check the rest.
  const { tokens } = parseArgs({ args: argv, options: COMMON, allowPositionals: true, strict: false, tokens: true });
  const at = tokens.find((token) => token.kind === 'positional')?.index ?? argv.length;
  const global = parse(argv.slice(0, at), COMMON, USAGE);
  const name = argv[at];
  if (name === undefined) {
    if (global.values.help) return io.out(USAGE);
    throw new UsageError('no command given');
  }
  const command = COMMANDS[name];
  if (!command) throw new UsageError(`unknown command ${JSON.stringify(name)}`);
  const { values, positionals } = parse(argv.slice(at + 1), { ...COMMON, ...command.options }, command.usage);
  if (values.help || global.values.help) return io.out(command.usage);
  if (positionals.length !== command.positionals.length) {
    const wanted = command.positionals.map((positional) => `<${positional}>`).join(' ') || 'no arguments';
    throw new UsageError(`${name} takes ${wanted}, got ${positionals.length} argument(s)`, command.usage);
  }

  const keysFile = stringOption(values, 'keys') ?? stringOption(global.values, 'keys') ?? (io.env[DEVICE_KEYS_VARIABLE] || join(homedir(), '.scanin-device.json'));
  const authenticator = new Authenticator({ keysFile, ...(io.fetch && { fetch: io.fetch }), ...(io.now && { now: io.now }) });
  const url = positionals[0] ?? '';

  if (name === 'enroll') {
    const alg = stringOption(values, 'alg') ?? 'ES256';
    if (!DEVICE_ALGS.includes(alg as DeviceAlg)) {
      throw new UsageError(`--alg must be ${DEVICE_ALGS.join(' or ')}, got ${JSON.stringify(alg)}`, command.usage);
    }
    const deviceName = stringOption(values, 'name');
    const result = await authenticator.enroll(url, { alg: alg as DeviceAlg, ...(deviceName !== undefined && { deviceName }) });
    io.out(`Enrolled device ${result.device_id} for ${result.account.name} <${result.account.email}> at ${result.issuer}`);
    io.out(`status: ${result.status}`);
    if (result.status === 'pending_confirmation') {
      io.out('Confirm this device in the browser that showed the QR code.');
      if (values.wait) io.out(`status: ${(await authenticator.waitForConfirmation(result.issuer, result.device_id)).status}`);
    }
  } else if (name === 'status') {
    const wait = stringOption(values, 'wait');
    if (wait !== undefined && !/^([1-9]|[12]\d|30)$/.test(wait)) throw new UsageError(`--wait must be a whole number of seconds from 1 to 30, got ${JSON.stringify(wait)}`, command.usage);
    const deviceId = stringOption(values, 'device');
    const status = await authenticator.deviceStatus(url, { ...(wait === undefined ? {} : { wait: Number(wait) }), ...(deviceId === undefined ? {} : { deviceId }) });
    io.out(`${status.device_id}  "${status.device_name}"`);
    io.out(`status: ${status.status}`);
    if (status.confirm_by !== null) io.out(`confirm by: ${new Date(status.confirm_by * 1000).toISOString()} (in the browser that showed the QR code)`);
  } else if (name === 'vault-read') {
    const vault = await authenticator.readVault(url);
    io.out(`version: ${vault.version}`);
    io.out(vault.text ?? '(empty: never written)');
  } else if (name === 'vault-write') {
    const version = stringOption(values, 'version');
    if (version === undefined || !/^\d+$/.test(version)) {
      throw new UsageError(`--version must be the version being replaced (a whole number), got ${JSON.stringify(version ?? null)}`, command.usage);
    }
    const written = await authenticator.writeVault(url, positionals[1]!, Number(version));
    io.out(`version: ${written.version}`);
  } else if (name === 'approve' || name === 'deny') {
    const method = stringOption(values, 'uv');
    if (method !== undefined && !isUserVerificationMethod(method)) {
      throw new UsageError(`--uv must be one of ${Object.keys(USER_VERIFICATION_METHODS).join(', ')}, got ${JSON.stringify(method)}`, command.usage);
    }
    await answerCommand(authenticator, name, url, values, io);
  } else {
    const devices = await authenticator.list();
    if (devices.length === 0) io.out(`No devices enrolled in ${keysFile}.`);
    for (const device of devices) {
      io.out(`${device.device_id}  ${device.alg}  ${device.name} <${device.email}>  ${device.issuer}`);
      io.out(`  "${device.device_name}", enrolled ${new Date(device.enrolled_at * 1000).toISOString()}`);
    }
  }
}

/** Runs one command line; returns the exit code. */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  try {
    await run(argv, io);
    return 0;
  } catch (error) {
    if (error instanceof UsageError) {
      io.err(`scanin-device: ${error.message}\n\n${error.usage}`);
      return 2;
    }
    io.err(`scanin-device: ${(error as Error).message}`);
    return 1;
  }
}

/** Asks on the terminal; end of input (Ctrl-D) answers `null`. */
async function askOnTerminal(question: string): Promise<string | null> {
  const terminal = createInterface({ input: process.stdin, output: process.stdout });
  try {
    return await new Promise<string | null>((resolve) => {
      terminal.once('close', () => resolve(null));
      terminal.question(question).then(resolve, () => resolve(null));
    });
  } finally {
    terminal.close();
  }
}

export function processIo(): CliIo {
  return {
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
    env: process.env,
    ask: process.stdin.isTTY ? askOnTerminal : null,
  };
}
