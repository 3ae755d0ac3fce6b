/** Help text for commands and groups, generated from their declarations. */
import type { ArgumentSpec, Command, CommandGroup, CommandNode, OptionSpec } from './command.js';
import { GLOBAL_OPTIONS } from './global-options.js';

const indent = (text: string, by = '  '): string =>
  text
    .split('\n')
    .map((l) => (l === '' ? l : `${by}${l}`))
    .join('\n');

/** Two aligned columns, the second wrapped under itself when a left cell is too wide. */
const columns = (rows: [string, string][]): string => {
  const width = Math.min(32, Math.max(...rows.map(([left]) => left.length)) + 2);
  return rows
    .map(([left, right]) => (left.length + 2 > width ? `${left}\n${' '.repeat(width)}${right}` : `${left.padEnd(width)}${right}`))
    .join('\n');
};

const optionLabel = (name: string, spec: OptionSpec): string => {
  const short = spec.short ? `-${spec.short}, ` : '';
  const value = spec.type === 'string' ? ` <${spec.valueName ?? 'VALUE'}>` : '';
  const repeat = spec.multiple ? ' ...' : '';
  return `${short}--${name}${value}${repeat}`;
};

const optionRows = (options: Record<string, OptionSpec>): [string, string][] =>
  Object.entries(options).map(([name, spec]) => [optionLabel(name, spec), spec.description]);

const argumentLabel = (a: ArgumentSpec): string => (a.optional ? `[${a.name}]` : `<${a.name}>`);

const section = (title: string, body: string): string => `${title}:\n${indent(body)}`;

const joinSections = (parts: (string | undefined | false)[]): string => `${parts.filter(Boolean).join('\n\n')}\n`;

export const commandUsage = (path: string[], cmd: Command): string => {
  const args = (cmd.args ?? []).map(argumentLabel).join(' ');
  return `rotor ${[...path, args].filter(Boolean).join(' ')} [options]`;
};

export const commandHelp = (path: string[], cmd: Command): string =>
  joinSections([
    `Usage: ${commandUsage(path, cmd)}`,
    cmd.description ?? cmd.summary,
    cmd.args?.length ? section('Arguments', columns(cmd.args.map((a) => [argumentLabel(a), a.description]))) : undefined,
    cmd.options && Object.keys(cmd.options).length ? section('Options', columns(optionRows(cmd.options))) : undefined,
    section('Global options', columns(optionRows(GLOBAL_OPTIONS))),
    cmd.examples?.length ? section('Examples', cmd.examples.join('\n')) : undefined,
    cmd.footer,
  ]);

const commandRows = (g: CommandGroup): [string, string][] =>
  g.commands.map((c: CommandNode) => [c.name, c.summary]);

export const groupHelp = (path: string[], g: CommandGroup): string => {
  const prefix = ['rotor', ...path].join(' ');
  return joinSections([
    `Usage: ${prefix} <command> [options]`,
    g.description ?? g.summary,
    section('Commands', columns(commandRows(g))),
    section('Global options', columns(optionRows(GLOBAL_OPTIONS))),
    g.examples?.length ? section('Examples', g.examples.join('\n')) : undefined,
    `Run '${prefix} <command> --help' for the options of a command.`,
    g.footer,
  ]);
};
