/** How a command is declared: its arguments, options, help text and what it runs. */
import type { Io } from './io.js';
import type { GlobalFlags } from './global-options.js';
import type { ExitCodeValue } from './exit-codes.js';

export interface OptionSpec {
  type: 'string' | 'boolean';
  short?: string;
  multiple?: boolean;
  /** Placeholder in help, e.g. `DAYS` for `--recovery-window <DAYS>`. */
  valueName?: string;
  description: string;
}

export interface ArgumentSpec {
  name: string;
  description: string;
  optional?: boolean;
}

export type OptionValues = Record<string, string | boolean | (string | boolean)[] | undefined>;

export interface Invocation {
  args: string[];
  options: OptionValues;
  globals: GlobalFlags;
  io: Io;
}

export interface Command {
  kind: 'command';
  name: string;
  /** One line, shown in the parent's command list. */
  summary: string;
  /** Paragraphs shown under the usage line. */
  description?: string;
  args?: ArgumentSpec[];
  options?: Record<string, OptionSpec>;
  examples?: string[];
  /** Extra sections after the examples. */
  footer?: string;
  run(invocation: Invocation): Promise<ExitCodeValue | void>;
}

export interface CommandGroup {
  kind: 'group';
  name: string;
  summary: string;
  description?: string;
  commands: (Command | CommandGroup)[];
  examples?: string[];
  footer?: string;
}

export type CommandNode = Command | CommandGroup;

export const command = (spec: Omit<Command, 'kind'>): Command => ({ kind: 'command', ...spec });
export const group = (spec: Omit<CommandGroup, 'kind'>): CommandGroup => ({ kind: 'group', ...spec });

export const stringOption = (o: OptionValues, name: string): string | undefined => {
  const v = o[name];
  return typeof v === 'string' ? v : undefined;
};

export const booleanOption = (o: OptionValues, name: string): boolean => o[name] === true;

export const listOption = (o: OptionValues, name: string): string[] => {
  const v = o[name];
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
};
