/**
 * Finds the command named on the command line (walking groups such as `keys policy`), parses its
 * options with node:util parseArgs, and runs it. Global options may come before or after the names.
 */
import { parseArgs } from 'node:util';
import type { Command, CommandGroup, CommandNode, OptionSpec } from './command.js';
import { CliError, ExitCode, usageError, type ExitCodeValue } from './exit-codes.js';
import { GLOBAL_OPTIONS, globalFlagsFrom, valueTakingGlobals } from './global-options.js';
import { commandHelp, groupHelp } from './help.js';
import type { Io } from './io.js';

interface Located {
  node: CommandNode;
  path: string[];
  /** Every token but the command names. */
  rest: string[];
}

/** Index of the first token that is not an option (or a global option's value), before any `--`. */
const firstNameIndex = (tokens: string[]): number => {
  const takesValue = valueTakingGlobals();
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i] as string;
    if (t === '--') return -1;
    if (t.startsWith('-') && t !== '-') {
      if (takesValue.has(t)) i++;
      continue;
    }
    return i;
  }
  return -1;
};

const wantsHelp = (tokens: string[]): boolean => {
  const end = tokens.indexOf('--');
  return (end < 0 ? tokens : tokens.slice(0, end)).some((t) => t === '--help' || t === '-h');
};

const locate = (root: CommandGroup, argv: string[]): Located => {
  let node: CommandNode = root;
  const path: string[] = [];
  let rest = [...argv];
  while (node.kind === 'group') {
    const i = firstNameIndex(rest);
    if (i < 0) break;
    const name = rest[i] as string;
    const child: CommandNode | undefined = node.commands.find((c) => c.name === name);
    if (!child) {
      const where = ['rotor', ...path].join(' ');
      throw usageError(`unknown command "${name}" for "${where}"; run '${where} --help' for the list`);
    }
    node = child;
    path.push(name);
    rest = [...rest.slice(0, i), ...rest.slice(i + 1)];
  }
  return { node, path, rest };
};

/** `rotor help keys policy` is `rotor keys policy --help`. */
const expandHelpCommand = (argv: string[]): string[] =>
  argv[0] === 'help' ? [...argv.slice(1), '--help'] : argv;

type ParseOptions = Record<string, { type: 'string' | 'boolean'; short?: string; multiple?: boolean }>;

const parseOptionsOf = (specs: Record<string, OptionSpec>): ParseOptions =>
  Object.fromEntries(
    Object.entries(specs).map(([name, s]) => [
      name,
      { type: s.type, ...(s.short ? { short: s.short } : {}), ...(s.multiple ? { multiple: true } : {}) },
    ]),
  );

/** parseArgs's messages name options, never their values; we keep them but point at the help. */
const parse = (path: string[], cmd: Command, tokens: string[]) => {
  try {
    return parseArgs({
      args: tokens,
      options: parseOptionsOf({ ...GLOBAL_OPTIONS, ...cmd.options }),
      allowPositionals: true,
      strict: true,
    });
  } catch (e) {
    // Node's messages go on with advice about `--`; the first sentence is the one that helps here.
    const message = e instanceof Error ? (e.message.split(/\.\s|\n/)[0] ?? e.message) : String(e);
    throw usageError(`${message}; run 'rotor ${path.join(' ')} --help' for usage`);
  }
};

/** Too many arguments is reported by count only: a stray argument may be a value typed by mistake. */
const checkArity = (path: string[], cmd: Command, positionals: string[]): void => {
  const specs = cmd.args ?? [];
  const required = specs.filter((a) => !a.optional).length;
  const where = `rotor ${path.join(' ')}`;
  if (positionals.length < required) {
    const missing = specs.slice(positionals.length).filter((a) => !a.optional).map((a) => `<${a.name}>`);
    throw usageError(`${where}: missing ${missing.join(' ')}; run '${where} --help' for usage`);
  }
  if (positionals.length > specs.length) {
    throw usageError(
      `${where} takes at most ${specs.length} argument${specs.length === 1 ? '' : 's'}, got ${positionals.length}; ` +
        `values go in options (see '${where} --help')`,
    );
  }
};

export const dispatch = async (root: CommandGroup, argv: string[], io: Io): Promise<ExitCodeValue> => {
  const { node, path, rest } = locate(root, expandHelpCommand(argv));
  if (node.kind === 'group') {
    if (wantsHelp(rest)) {
      io.stdout.write(groupHelp(path, node));
      return ExitCode.ok;
    }
    io.stderr.write(groupHelp(path, node));
    throw new CliError(ExitCode.usage, `missing command for "${['rotor', ...path].join(' ')}"`);
  }
  if (wantsHelp(rest)) {
    io.stdout.write(commandHelp(path, node));
    return ExitCode.ok;
  }
  const { values, positionals } = parse(path, node, rest);
  checkArity(path, node, positionals);
  const result = await node.run({ args: positionals, options: values, globals: globalFlagsFrom(values), io });
  return result ?? ExitCode.ok;
};
