/** The managed RAM secret driver as the runtime registers it: redaction always on. */
import type { TargetDriver } from '../../../ports/target-driver.js';
import { RedactingDriver } from '../redacting-driver.js';
import { RamAccessKeyDriver, type RamAccessKeyDriverOptions } from './ram-access-key-driver.js';

export type { RamAccessKeyDriverOptions } from './ram-access-key-driver.js';

export const createRamAccessKeyDriver = (options: RamAccessKeyDriverOptions): TargetDriver =>
  new RedactingDriver(new RamAccessKeyDriver(options));

/** ROTOR_RAM_ENDPOINT overrides RAM's central endpoint (a VPC endpoint, or a test server). */
export const ramEndpointFromEnv = (env: NodeJS.ProcessEnv = process.env): { endpoint?: string } =>
  env.ROTOR_RAM_ENDPOINT ? { endpoint: env.ROTOR_RAM_ENDPOINT } : {};
