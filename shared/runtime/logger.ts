/**
 * Structured JSON-lines logging. Secret-bearing fields are censored wherever they appear (up to
 * three levels deep), and request bodies and raw events are never written, so a careless
 * `log.info({ request })` cannot leak a secret value or a signature.
 */
import pino, { type DestinationStream, type Logger } from 'pino';
import { LOG_LEVELS, type LogLevel } from './config.js';

export type { Logger } from 'pino';

const SECRET_FIELDS = [
  'SecretData',
  'secretData',
  'AccessKeySecret',
  'accessKeySecret',
  'SecurityToken',
  'securityToken',
  'Password',
  'password',
  'PrivateKey',
  'privateKey',
  'Signature',
  'signature',
  'plaintext',
  'pendingValue',
  'currentValue',
  'previousValue',
  'newCurrentValue',
  'newPreviousValue',
] as const;

const SECRET_HEADERS = ['authorization', 'Authorization', 'x-acs-security-token', 'x-acs-signature', 'cookie'] as const;

export const REDACTED = '[REDACTED]';

const redactPaths = (): string[] => {
  const depths = ['', '*.', '*.*.'];
  const fields = SECRET_FIELDS.flatMap((f) => depths.map((d) => `${d}${f}`));
  const headers = SECRET_HEADERS.flatMap((h) => depths.map((d) => `${d}headers["${h}"]`));
  return [...fields, ...headers];
};

const bodyLength = (body: unknown): number | undefined =>
  typeof body === 'string' || Buffer.isBuffer(body) ? body.length : undefined;

/** Keeps what identifies a request; drops its body and headers. */
const requestSerializer = (req: unknown): unknown => {
  if (typeof req !== 'object' || req === null) return req;
  const r = req as Record<string, unknown>;
  return { method: r.method, path: r.path ?? r.rawPath, sourceIp: r.sourceIp, bodyBytes: bodyLength(r.body) };
};

const omitted = (value: unknown): string => {
  const n = bodyLength(value);
  return n === undefined ? '[omitted]' : `[omitted ${n} bytes]`;
};

export interface LoggerOptions {
  level: LogLevel;
  /** Defaults to stdout; tests pass a stream to read the lines back. */
  destination?: DestinationStream;
  base?: Record<string, unknown>;
}

export const createLogger = (options: LoggerOptions): Logger =>
  pino(
    {
      level: options.level,
      base: { service: 'secret-rotor', ...options.base },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      redact: { paths: redactPaths(), censor: REDACTED },
      serializers: {
        err: pino.stdSerializers.err,
        error: pino.stdSerializers.err,
        req: requestSerializer,
        request: requestSerializer,
        body: omitted,
        event: omitted,
      },
    },
    options.destination,
  );

/** The logger of one invocation of one function. */
export const functionLogger = (root: Logger, functionName: string, requestId: string): Logger =>
  lazyChild(root, { fn: functionName, requestId });

const LEVEL_METHODS = new Set<string | symbol>(['trace', 'debug', 'info', 'warn', 'error', 'fatal']);
const noop = (): void => undefined;

/**
 * A child logger made only when something is logged at an enabled level. Making a pino child
 * runs the redaction over its bindings, which costs more than serving a cached read; with the
 * level above info (or silent) an invocation then pays nothing for logging.
 */
const lazyChild = (root: Logger, bindings: Record<string, string>): Logger => {
  let child: Logger | undefined;
  const real = (): Logger => (child ??= root.child(bindings));
  return new Proxy(root, {
    get: (_target, prop) => {
      if (child === undefined && LEVEL_METHODS.has(prop) && !root.isLevelEnabled(prop as string)) return noop;
      const target = real();
      const value = Reflect.get(target, prop, target) as unknown;
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
};

const levelFromEnv = (): LogLevel => {
  const level = process.env.ROTOR_LOG_LEVEL;
  return (LOG_LEVELS as readonly string[]).includes(level ?? '') ? (level as LogLevel) : 'info';
};

let root: Logger | null = null;

/**
 * The process-wide logger. The container installs the configured one; before that (or when the
 * configuration itself is bad) a default one still reports what happened.
 */
export const rootLogger = (): Logger => (root ??= createLogger({ level: levelFromEnv() }));

export const setRootLogger = (logger: Logger | null): void => {
  root = logger;
};

/**
 * What is safe to log about an error we did not make: its type, its system code (SQLITE_BUSY,
 * ECONNREFUSED...) and where it was thrown, but not its message, which may quote a credential
 * (a connection string, a driver's echo of a password).
 */
export const unexpectedErrorFields = (error: unknown): Record<string, unknown> => {
  if (!(error instanceof Error)) return { errorType: typeof error };
  const code = (error as { code?: unknown }).code;
  const frames = (error.stack ?? '').split('\n').filter((l) => l.startsWith('    at '));
  return {
    errorType: error.name,
    ...(typeof code === 'string' || typeof code === 'number' ? { errorSystemCode: code } : {}),
    stack: frames.map((l) => l.trim()).join('\n'),
  };
};
