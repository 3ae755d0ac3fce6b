/**
 * A decorator for any TargetDriver (like Vault's error-sanitizing database middleware): whatever
 * the inner driver throws comes out as a TargetError whose message has every secret value of the
 * request removed, and whose code and `retryable` say what kind of failure it was. Client
 * libraries quote SQL near an error, echo connection strings, or attach the failing statement;
 * only the redacted message survives (no `cause`, no extra properties).
 *
 * A failure to connect or log in (ConnectFailure) reaches callers as one `Target.Unavailable`
 * with a fixed text, whatever happened: refused, timed out, wrong host key or certificate, a
 * password request refused, a login refused. The redacted detail goes to the operator's log only.
 */
import { KmsError, TargetError } from '../../domain/errors.js';
import type {
  ApplyRequest,
  CheckCurrentRequest,
  CheckCurrentResponse,
  CleanupRequest,
  CleanupResponse,
  DriverSecret,
  FinalizeRequest,
  GenerateRequest,
  InitialVersionsRequest,
  InitialVersionsResponse,
  PreflightRequest,
  PreflightResponse,
  ResourcesRequest,
  TargetDriver,
  VerifyRequest,
  WrittenValueRequest,
} from '../../ports/target-driver.js';
import { NO_RESOURCES, type SecretResources } from '../../domain/deputy/index.js';
import { classifyError } from './classify-error.js';
import { ConnectFailure, UNAVAILABLE_TEXT } from './connect-failure.js';

/** One line in the operator's log about a target the driver could not reach or log in to; never a secret value. */
export interface TargetFailureReport {
  driver: string;
  operation: string;
  /** What really happened, as a Target.* class: Target.AuthenticationFailed, Target.HostKeyMismatch ... */
  cause: string;
  /** The client library's message, redacted. */
  detail: string;
}

export type OperatorLog = (report: TargetFailureReport) => void;

export const REDACTED = '[REDACTED]';

const VALUE_FIELDS = ['pendingValue', 'currentValue', 'previousValue', 'newCurrentValue', 'newPreviousValue', 'retiredValue', 'secretData'] as const;
/** Keys inside a JSON secret value whose strings are secret (AccountPassword, Password, AccessKeySecret, PrivateKey ...). */
const SECRET_KEY = /pass|secret|private|token|credential/i;
/** A run this long copied from a password is treated as a leak even when the whole password is not there. */
const MIN_FRAGMENT = 6;
const MAX_MESSAGE = 1000;

const secretLeaves = (node: unknown, underSecretKey: boolean, out: string[]): void => {
  if (typeof node === 'string') {
    if (underSecretKey && node !== '') out.push(node);
  } else if (Array.isArray(node)) {
    for (const item of node) secretLeaves(item, underSecretKey, out);
  } else if (typeof node === 'object' && node !== null) {
    for (const [key, value] of Object.entries(node)) secretLeaves(value, underSecretKey || SECRET_KEY.test(key), out);
  }
};

/** Whole values (matched whole) and the passwords inside them (matched whole or in fragments). */
export const secretsOfRequest = (req: object): { values: string[]; passwords: string[] } => {
  const values: string[] = [];
  const passwords: string[] = [];
  for (const field of VALUE_FIELDS) {
    const value = (req as Record<string, unknown>)[field];
    if (typeof value !== 'string' || value === '') continue;
    values.push(value);
    let parsed: unknown;
    try {
      parsed = JSON.parse(value);
    } catch {
      passwords.push(value);
      continue;
    }
    if (typeof parsed === 'object' && parsed !== null) secretLeaves(parsed, false, passwords);
    else passwords.push(value);
  }
  return { values, passwords };
};

/** The ways a value gets quoted in messages: raw, JSON, SQL-doubled quotes, backslash-escaped, URI-encoded. */
const spellings = (secret: string): string[] => [
  secret,
  JSON.stringify(secret).slice(1, -1),
  secret.replace(/'/g, "''"),
  secret.replace(/\\/g, '\\\\').replace(/'/g, "\\'"),
  secret.replace(/\\/g, '\\\\').replace(/'/g, "\\'").replace(/"/g, '\\"'),
  encodeURIComponent(secret),
];

const markFragments = (message: string, secret: string, marked: boolean[]): void => {
  let previous = new Array<number>(secret.length + 1).fill(0);
  for (let i = 1; i <= message.length; i++) {
    const row = new Array<number>(secret.length + 1).fill(0);
    for (let j = 1; j <= secret.length; j++) {
      if (message[i - 1] !== secret[j - 1]) continue;
      const run = (previous[j - 1] as number) + 1;
      row[j] = run;
      if (run >= MIN_FRAGMENT) for (let k = i - run; k < i; k++) marked[k] = true;
    }
    previous = row;
  }
};

const replaceMarked = (message: string, marked: boolean[]): string => {
  let out = '';
  for (let i = 0; i < message.length; i++) {
    if (!marked[i]) out += message[i];
    else if (!marked[i - 1]) out += REDACTED;
  }
  return out;
};

export const redactText = (text: string, secrets: { values: string[]; passwords: string[] }): string => {
  const whole = [...secrets.values, ...secrets.passwords].flatMap(spellings).filter((s) => s !== '');
  // Longest first, so a value is removed before a password inside it could split it.
  let out = [...new Set(whole)].sort((a, b) => b.length - a.length).reduce((text, s) => text.split(s).join(REDACTED), text);
  // Bounds the quadratic fragment search; a cut-off password tail is still caught as a fragment.
  out = out.slice(0, MAX_MESSAGE * 2);
  const marked = new Array<boolean>(out.length).fill(false);
  for (const password of secrets.passwords) if (password.length >= MIN_FRAGMENT) markFragments(out, password, marked);
  out = replaceMarked(out, marked);
  return out.length > MAX_MESSAGE ? `${out.slice(0, MAX_MESSAGE)}…` : out;
};

export const redactError = (operation: string, error: unknown, req: object, report?: (r: Omit<TargetFailureReport, 'driver'>) => void): TargetError => {
  const { code, retryable } = classifyError(error);
  const message = error instanceof Error ? error.message : 'non-error value thrown';
  const redacted = redactText(message, secretsOfRequest(req));
  if (!(error instanceof ConnectFailure)) return new TargetError(code, `${operation} failed: ${redacted}`, retryable);
  report?.({ operation, cause: classifyError(error.underlying).code, detail: redacted });
  return new TargetError(code, `${operation} failed: ${UNAVAILABLE_TEXT}.`, retryable);
};

export class RedactingDriver implements TargetDriver {
  readonly kind: string;

  constructor(
    private readonly inner: TargetDriver,
    private readonly operatorLog: OperatorLog = () => undefined,
  ) {
    this.kind = inner.kind;
  }

  supports(secret: DriverSecret): boolean {
    return this.inner.supports(secret);
  }

  /** Passed through: it throws InvalidParameter naming a config field (HTTP 400), and config holds no secret values. */
  validateConfig(secret: DriverSecret): void {
    this.inner.validateConfig(secret);
  }

  async preflight(req: PreflightRequest): Promise<PreflightResponse> {
    const { checks } = await this.guard('preflight', req, () => this.inner.preflight(req));
    const secrets = secretsOfRequest(req);
    return { checks: checks.map((check) => ({ ...check, detail: redactText(check.detail, secrets) })) };
  }

  generate(req: GenerateRequest) {
    return this.guard('generate', req, () => this.inner.generate(req));
  }

  apply(req: ApplyRequest) {
    return this.guard('apply', req, () => this.inner.apply(req));
  }

  verify(req: VerifyRequest) {
    return this.guard('verify', req, () => this.inner.verify(req));
  }

  finalize(req: FinalizeRequest) {
    return this.guard('finalize', req, () => this.inner.finalize(req));
  }

  /** A KmsError (InvalidParameter naming SecretData) passes as it is: it reaches the CreateSecret caller. */
  async initialVersions(req: InitialVersionsRequest): Promise<InitialVersionsResponse> {
    const initial = this.inner.initialVersions?.bind(this.inner);
    if (!initial) return { current: req.secretData };
    try {
      return await initial(req);
    } catch (error) {
      if (error instanceof KmsError && !(error instanceof TargetError)) throw error;
      throw this.redact('initialVersions', error, req);
    }
  }

  /** Passed through: it throws InvalidParameter naming a config field, and reads no target. */
  get fixTarget(): ((req: InitialVersionsRequest) => Record<string, unknown>) | undefined {
    return this.inner.fixTarget?.bind(this.inner);
  }

  /** Its InvalidParameter reaches the writing caller (it quotes no value); anything else is redacted like a step's error. */
  get checkWrittenValue(): ((req: WrittenValueRequest) => Promise<void>) | undefined {
    const check = this.inner.checkWrittenValue?.bind(this.inner);
    if (!check) return undefined;
    return async (req) => {
      try {
        await check(req);
      } catch (error) {
        if (error instanceof KmsError && !(error instanceof TargetError)) throw error;
        throw redactError('checkWrittenValue', error, { ...req, secretData: req.value });
      }
    };
  }

  /** Present only when the inner driver has it, so the engine can tell a driver that cannot check. */
  get checkCurrent(): ((req: CheckCurrentRequest) => Promise<CheckCurrentResponse>) | undefined {
    const check = this.inner.checkCurrent?.bind(this.inner);
    return check ? (req) => this.guard('checkCurrent', req, () => check(req)) : undefined;
  }

  /** A property of the configuration, not a target call: nothing to redact. */
  replacesCurrentInPlace(secret: DriverSecret): boolean {
    return this.inner.replacesCurrentInPlace?.(secret) ?? false;
  }

  /** Pure, from config and names in values; a KmsError names a config field and passes as it is. */
  resourcesOf(req: ResourcesRequest): SecretResources {
    return this.inner.resourcesOf?.(req) ?? NO_RESOURCES;
  }

  async cleanup(req: CleanupRequest): Promise<CleanupResponse> {
    const { inner } = this;
    const cleanup = inner.cleanup?.bind(inner);
    return cleanup ? this.guard('cleanup', req, () => cleanup(req)) : {};
  }

  private async guard<T>(operation: string, req: object, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      throw this.redact(operation, error, req);
    }
  }

  private redact(operation: string, error: unknown, req: object): TargetError {
    return redactError(operation, error, req, (report) => this.operatorLog({ driver: this.kind, ...report }));
  }
}
