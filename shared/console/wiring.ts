/**
 * Builds the console from the function's container. Settings (validated when the function module
 * loads, so a bad value stops the start with a message naming the variable):
 *   ROTOR_CONSOLE_SESSION_KEY      signs sessions and seals wizard drafts; at least 32 characters.
 *                                  Default: derived from the root AccessKey secret, which every
 *                                  instance of a deployment shares.
 *   ROTOR_CONSOLE_SESSION_MINUTES  session lifetime, 5-720, default 30.
 */
import { join } from 'node:path';
import { NdjsonEventReader } from '../adapters/local-events/ndjson-event-reader.js';
import { auditRecordOf } from '../http/audit.js';
import { ConfigError } from '../runtime/config.js';
import { unexpectedErrorFields } from '../runtime/logger.js';
import { EVENTS_FILE, type Container } from '../runtime/container.js';
import type { ConsoleDeps } from './console-app.js';
import { DEFAULT_SESSION_TTL_MS, deriveSessionKeys } from './session.js';
import { SignInLimiter } from './sign-in-limiter.js';

const MIN_KEY_LENGTH = 32;

export interface ConsoleSettings {
  sessionKey: string | null;
  sessionTtlMs: number;
}

export const consoleSettingsFromEnv = (env: NodeJS.ProcessEnv): ConsoleSettings => {
  const problems: string[] = [];
  const key = env.ROTOR_CONSOLE_SESSION_KEY ?? '';
  if (key !== '' && key.length < MIN_KEY_LENGTH) problems.push(`ROTOR_CONSOLE_SESSION_KEY must be at least ${MIN_KEY_LENGTH} characters`);
  const minutesText = env.ROTOR_CONSOLE_SESSION_MINUTES ?? '';
  const minutes = minutesText === '' ? DEFAULT_SESSION_TTL_MS / 60_000 : Number(minutesText);
  if (!Number.isInteger(minutes) || minutes < 5 || minutes > 720) problems.push('ROTOR_CONSOLE_SESSION_MINUTES must be a whole number from 5 to 720');
  if (problems.length > 0) throw new ConfigError(problems);
  return { sessionKey: key === '' ? null : key, sessionTtlMs: minutes * 60_000 };
};

const built = new WeakMap<Container, ConsoleDeps>();

export const consoleDepsFor = (container: Container, settings: ConsoleSettings): ConsoleDeps => {
  const cached = built.get(container);
  if (cached) return cached;
  const { config } = container;
  const deps: ConsoleDeps = {
    service: container.service,
    clock: container.clock,
    settings: { region: config.region, accountId: config.accountId },
    history: config.backend === 'local' ? new NdjsonEventReader(join(config.dataDir, EVENTS_FILE)) : null,
    audit: (call) => container.auditTrail.record(auditRecordOf(call)),
    credentials: container.credentials,
    keys: deriveSessionKeys(settings.sessionKey ?? `root:${container.rootCredentials.accessKeySecret}`),
    sessionTtlMs: settings.sessionTtlMs,
    signInLimiter: new SignInLimiter(() => container.clock.now()),
    onUnexpectedError: (error) => container.logger.error(unexpectedErrorFields(error), 'the console failed a request'),
  };
  built.set(container, deps);
  return deps;
};
