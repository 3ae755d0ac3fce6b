import type { DriverRegistry, DriverSecret, TargetDriver } from '../../ports/target-driver.js';
import { GeneratedPasswordDriver } from './generated-password/generated-password-driver.js';

export const createDriverRegistry = (drivers: readonly TargetDriver[]): DriverRegistry => ({
  driverFor: (secret: DriverSecret) => drivers.find((d) => d.supports(secret)) ?? null,
});

/** The drivers that need no configuration: enough for the local runtime. */
export const createDefaultDriverRegistry = (): DriverRegistry => createDriverRegistry([new GeneratedPasswordDriver()]);
