// Node's parseArgs explains an unknown option with a hint whose quotes do not balance
// ("…, as in '-- "--nme""); both command lines say it this way instead.
export function parseArgsMessage(error: NodeJS.ErrnoException): string {
  if (error.code !== 'ERR_PARSE_ARGS_UNKNOWN_OPTION') return error.message;
  const option = /^Unknown option '([^']*)'/.exec(error.message)?.[1];
  if (option === undefined) return error.message;
  return `unknown option ${option} (an argument that starts with "-" goes last, after "--", as in: -- ${option})`;
}
