/**
 * Anything that goes wrong before a session with a target exists: nothing listens, the TLS
 * certificate or SSH host key is not the one expected, the server asks for a password in a way
 * that would expose it, or the login is refused. Callers choose Host and Port, so telling these
 * apart would make the service a port scanner (and a password oracle): RedactingDriver turns every
 * ConnectFailure into one `Target.Unavailable` and leaves the detail to the operator's log.
 */
export const TARGET_UNAVAILABLE = 'Target.Unavailable';

/** What callers see for any ConnectFailure: one code, one fixed text, always retried. */
export const UNAVAILABLE_TEXT = 'the target could not be reached or did not accept the managed login';

export class ConnectFailure extends Error {
  /** `underlying` is what the client library threw; its message may quote a secret until redacted. */
  constructor(
    readonly underlying: unknown,
    message = underlying instanceof Error ? underlying.message : 'non-error value thrown',
  ) {
    super(message);
    this.name = 'ConnectFailure';
  }
}

/** The transport refused to hand the password over; `underlying` names why (for the operator's log). */
export class UntrustedTransport extends Error {
  readonly code = 'UNTRUSTED_TRANSPORT';
  constructor(message: string) {
    super(message);
    this.name = 'UntrustedTransport';
  }
}

/** Runs a connect step; whatever it throws becomes a ConnectFailure. */
export const connecting = async <T>(open: () => Promise<T>): Promise<T> => {
  try {
    return await open();
  } catch (error) {
    throw error instanceof ConnectFailure ? error : new ConnectFailure(error);
  }
};
