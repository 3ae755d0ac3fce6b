/**
 * `rotor`: the secret-rotor command line. Runs one command and exits with a code from
 * exit-codes.ts; stdout carries only results (values, tables, JSON), stderr everything else.
 */
import { homedir } from 'node:os';
import { rootCommand } from './commands/index.js';
import { dispatch } from './dispatch.js';
import { ExitCode, type ExitCodeValue } from './exit-codes.js';
import { describeFailure } from './failure.js';
import type { Io } from './io.js';
import { cliVersion } from './version.js';

export const runCli = async (argv: string[], io: Io): Promise<ExitCodeValue> => {
  if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-V')) {
    io.stdout.write(`${cliVersion()}\n`);
    return ExitCode.ok;
  }
  try {
    return await dispatch(rootCommand, argv, io);
  } catch (e) {
    const failure = describeFailure(e);
    io.stderr.write(`rotor: ${failure.message}\n`);
    return failure.exitCode;
  }
};

const processIo = (): Io => ({
  stdout: process.stdout,
  stderr: process.stderr,
  stdin: process.stdin,
  env: process.env,
  cwd: process.cwd(),
  homeDir: homedir(),
});

/** A reader that went away (`rotor events -f | head`) ends the command; it is not an error. */
const exitQuietlyOnClosedPipe = (): void => {
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(ExitCode.ok);
    throw e;
  });
};

/** Sets the exit code rather than calling process.exit, so a large value still in a pipe is written whole. */
export const main = async (): Promise<void> => {
  exitQuietlyOnClosedPipe();
  const code = await runCli(process.argv.slice(2), processIo());
  process.exitCode = code;
};
