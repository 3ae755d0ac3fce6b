/**
 * Test-only fault points, for the crash tests: with ROTOR_FAULT_POINT set, the runtime stops dead
 * the first time a rotation reaches that point, so a test can SIGKILL it at exactly that place
 * and restart it on the same data dir. Unset (always, outside those tests), nothing is wrapped
 * and the step runner's seam is an absent optional dependency.
 *
 * Points:
 * - `before:<step>` — a step message was received and passed its guards; nothing done yet.
 * - `after:<step>` — the step's result is stored; its successor is not queued and the message
 *   is not acknowledged.
 *   <step> is createPending, applyToTarget, verify, promote, or finalizePromoted (the target work
 *   after a promote; `after:` there means it returned), or retirePrevious (the delayed cleanup a
 *   driver asked for at finalize, RAM's only; `after:` there means it returned). retirePrevious is
 *   kept out of FAULT_STEPS, which the kill matrix runs for every driver kind: the RAM cleanup
 *   has its own test (test/faults/kill-cleanup.test.ts).
 * - `enter:<op>` — the driver is about to be called.
 * - `during:<op>` — the driver call returned (the target has changed), its result not yet back
 *   in the engine. <op> is generate, apply, verify, finalize or cleanup.
 *
 * Reaching the point appends one JSON line `{"point","secretName"}` to the file named by
 * ROTOR_FAULT_MARKER_FILE (stdout when unset), then waits forever: the HTTP API keeps answering,
 * the rotation goes no further.
 */
import { appendFileSync } from 'node:fs';
import type { DriverRegistry, TargetDriver } from '../ports/target-driver.js';

export const FAULT_POINT_ENV = 'ROTOR_FAULT_POINT';
export const FAULT_MARKER_ENV = 'ROTOR_FAULT_MARKER_FILE';

export const FAULT_STEPS = ['createPending', 'applyToTarget', 'verify', 'promote', 'finalizePromoted'] as const;
/** Queued work outside the rotation job, reached only where a driver asked for it. */
export const FAULT_DELAYED_STEPS = ['retirePrevious'] as const;
export const FAULT_DRIVER_OPS = ['generate', 'apply', 'verify', 'finalize', 'cleanup'] as const;
export type FaultStep = (typeof FAULT_STEPS)[number];
export type FaultDriverOp = (typeof FAULT_DRIVER_OPS)[number];

export const FAULT_POINTS: readonly string[] = [
  ...[...FAULT_STEPS, ...FAULT_DELAYED_STEPS].flatMap((s) => [`before:${s}`, `after:${s}`]),
  ...FAULT_DRIVER_OPS.flatMap((op) => [`enter:${op}`, `during:${op}`]),
];

/** Called at each point; resolves at once unless this is the configured point. */
export type FaultPoint = (point: string, secretName: string) => Promise<void>;

export interface FaultPoints {
  reach: FaultPoint;
  /** The registry with every driver call passing the enter:/during: points. */
  wrapDrivers(registry: DriverRegistry): DriverRegistry;
}

const forever = (): Promise<never> => new Promise<never>(() => undefined);

/** Null when ROTOR_FAULT_POINT is unset; throws naming the variable when it is not a known point. */
export const faultPointsFromEnv = (env: NodeJS.ProcessEnv = process.env): FaultPoints | null => {
  const armed = env[FAULT_POINT_ENV];
  if (armed === undefined || armed === '') return null;
  if (!FAULT_POINTS.includes(armed)) throw new Error(`${FAULT_POINT_ENV}: expected one of ${FAULT_POINTS.join(', ')}`);
  const markerFile = env[FAULT_MARKER_ENV];
  const reach: FaultPoint = async (point, secretName) => {
    if (point !== armed) return;
    const line = `${JSON.stringify({ point, secretName })}\n`;
    if (markerFile) appendFileSync(markerFile, line);
    else process.stdout.write(line);
    await forever();
  };
  return { reach, wrapDrivers: (registry) => faultingRegistry(registry, reach) };
};

const faultingRegistry = (registry: DriverRegistry, reach: FaultPoint): DriverRegistry => ({
  driverFor: (secret) => {
    const driver = registry.driverFor(secret);
    return driver ? faultingDriver(driver, reach) : null;
  },
});

const isFaultDriverOp = (name: string | symbol): name is FaultDriverOp => (FAULT_DRIVER_OPS as readonly (string | symbol)[]).includes(name);

/**
 * The driver as is, but for the rotation operations, which pass enter: and during:. A proxy, so
 * whatever else a driver has (optional operations included, or their absence) stays as it is.
 */
const faultingDriver = (inner: TargetDriver, reach: FaultPoint): TargetDriver =>
  new Proxy(inner, {
    get(target, name) {
      const value: unknown = Reflect.get(target, name, target);
      if (typeof value !== 'function') return value;
      const call = (value as (req: { secret: { name: string } }) => Promise<unknown>).bind(target);
      if (!isFaultDriverOp(name)) return call;
      return async (req: { secret: { name: string } }) => {
        await reach(`enter:${name}`, req.secret.name);
        const result = await call(req);
        await reach(`during:${name}`, req.secret.name);
        return result;
      };
    },
  });
