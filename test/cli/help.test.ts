/** --help for every command and group, usage errors, --version: no runtime needed. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { rootCommand } from '../../cli/commands/index.js';
import type { CommandNode } from '../../cli/command.js';
import { EXIT_CODE_HELP } from '../../cli/exit-codes.js';
import { PROJECT_ROOT, runCli, scratch, type CliResult, type Scratch } from './harness.js';

let home: Scratch;

beforeAll(() => {
  home = scratch('rotor-cli-help-');
});

afterAll(() => {
  home?.remove();
});

interface Entry {
  path: string[];
  node: CommandNode;
}

const everyNode = (node: CommandNode, path: string[] = []): Entry[] => [
  { path, node },
  ...(node.kind === 'group' ? node.commands.flatMap((c) => everyNode(c, [...path, c.name])) : []),
];

const entries = everyNode(rootCommand);
const rotor = (args: string[]): Promise<CliResult> => runCli(args, home.path);

describe('rotor --help', () => {
  it('covers the commands the issue asks for', () => {
    const names = entries.map((e) => e.path.join(' '));
    for (const name of [
      'create', 'get', 'put', 'rotate', 'delete', 'restore', 'list', 'describe', 'versions', 'policy', 'events',
      'keys create', 'keys list', 'keys disable', 'keys enable', 'keys delete',
      'keys policy put', 'keys policy get', 'keys policy delete',
    ]) {
      expect(names).toContain(name);
    }
  });

  it('prints usage, every option and the global options for each command and group, exit 0', async () => {
    const results = await Promise.all(entries.map((e) => rotor([...e.path, '--help'])));
    entries.forEach(({ path, node }, i) => {
      const r = results[i] as CliResult;
      const label = ['rotor', ...path].join(' ');
      expect(r.code, label).toBe(0);
      expect(r.stderr, label).toBe('');
      expect(r.stdout.startsWith(`Usage: ${label} `), label).toBe(true);
      expect(r.stdout, label).toContain('Global options:');
      expect(r.stdout, label).toContain('--json');
      if (node.kind === 'group') {
        for (const child of node.commands) expect(r.stdout, label).toMatch(new RegExp(`^  ${child.name}\\s+${escape(child.summary)}$`, 'm'));
      } else {
        for (const a of node.args ?? []) expect(r.stdout, label).toContain(`<${a.name}>`);
        for (const name of Object.keys(node.options ?? {})) expect(r.stdout, label).toContain(`--${name}`);
      }
    });
  });

  it('-h and `rotor help <command>` print the same help', async () => {
    const [long, short, viaHelp] = await Promise.all([rotor(['keys', 'policy', 'put', '--help']), rotor(['keys', 'policy', 'put', '-h']), rotor(['help', 'keys', 'policy', 'put'])]);
    expect(short.stdout).toBe(long.stdout);
    expect(viaHelp.stdout).toBe(long.stdout);
    expect(long.stdout).toContain('Usage: rotor keys policy put <access-key-id> <policy-name> [options]');
  });

  it('the top-level help documents the exit codes, the configuration and the MNS topic for events', async () => {
    const r = await rotor(['--help']);
    for (const [code, meaning] of EXIT_CODE_HELP) expect(r.stdout).toContain(`  ${String(code).padEnd(3)}${meaning}`);
    expect(r.stdout).toContain('ROTOR_CONFIG');
    expect(r.stdout).toContain('ROTOR_PROFILE');
    const events = await rotor(['events', '--help']);
    expect(events.stdout).toContain('MNS topic');
  });
});

describe('usage errors exit 2 with a pointer to the help', () => {
  it.each([
    [[], /missing command for "rotor"/],
    [['frobnicate'], /unknown command "frobnicate" for "rotor"/],
    [['keys'], /missing command for "rotor keys"/],
    [['keys', 'policy', 'list'], /unknown command "list" for "rotor keys policy"/],
    [['get'], /rotor get: missing <name>/],
    [['keys', 'policy', 'get', 'LTAIx'], /missing <policy-name>/],
    [['get', 'app-db', '--colour'], /Unknown option '--colour'; run 'rotor get --help'/],
    [['get', 'app-db', '--stage'], /argument missing/],
  ])('rotor %j', async (args, message) => {
    const r = await rotor(args as string[]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(message as RegExp);
  });

  it('does not echo stray arguments, which may be values typed by mistake', async () => {
    const r = await rotor(['put', 'app-db', 'Sup3r-Secret-Typed-Here']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('takes at most 1 argument, got 2');
    expect(r.stderr).not.toContain('Sup3r-Secret-Typed-Here');
  });
});

it('--version prints the package version', async () => {
  const pkg = JSON.parse(readFileSync(join(PROJECT_ROOT, 'package.json'), 'utf8')) as { version: string; bin: Record<string, string> };
  expect(await rotor(['--version'])).toMatchObject({ code: 0, stdout: `${pkg.version}\n` });
  expect(pkg.bin.rotor).toBe('bin/rotor.js');
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
