/**
 * Exit codes scripts can rely on. They are part of the CLI's interface: never renumber one, only
 * add new ones at the end.
 */
export const ExitCode = {
  ok: 0,
  /** The service answered with an error not covered by a more specific code below. */
  apiError: 1,
  /** Bad command line, configuration or profile; nothing was sent. */
  usage: 2,
  /** The secret, version, AccessKey or policy does not exist (or the local event log). */
  notFound: 3,
  /** `rotate --wait`: the rotation ended in failure. */
  rotationFailed: 4,
  /** `rotate --wait`: the rotation did not finish within --timeout. */
  timeout: 5,
  /** The endpoint could not be reached (refused, unresolvable, TLS, timed out). */
  connection: 6,
  /** The service refused the caller: unknown or disabled AccessKey, bad signature, no permission. */
  accessDenied: 7,
  /** The request conflicts with the current state: already exists, in its deletion window, rotating. */
  conflict: 8,
} as const;

export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

/** For `rotor --help` and the README: one line per code. */
export const EXIT_CODE_HELP: readonly [ExitCodeValue, string][] = [
  [ExitCode.ok, 'success'],
  [ExitCode.apiError, 'the service answered with an error (not one of those below)'],
  [ExitCode.usage, 'usage error: bad arguments, configuration or profile; nothing was sent'],
  [ExitCode.notFound, 'not found: secret, version, AccessKey, policy, or the local event log'],
  [ExitCode.rotationFailed, 'rotate --wait: the rotation failed'],
  [ExitCode.timeout, 'rotate --wait: the rotation did not finish within --timeout'],
  [ExitCode.connection, 'the endpoint could not be reached'],
  [ExitCode.accessDenied, 'access denied: unknown or disabled AccessKey, bad signature, no permission'],
  [ExitCode.conflict, 'conflict: already exists, scheduled for deletion, or a rotation is running'],
];

/** A failure the CLI reports itself: a message for stderr and the exit code that classifies it. */
export class CliError extends Error {
  constructor(
    readonly exitCode: ExitCodeValue,
    message: string,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

export const usageError = (message: string): CliError => new CliError(ExitCode.usage, message);
