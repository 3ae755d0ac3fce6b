/** The Linux-host driver as the runtime should register it: redaction always on. */
import type { TargetDriver } from '../../../ports/target-driver.js';
import { RedactingDriver } from '../redacting-driver.js';
import { LinuxHostDriver, type LinuxHostDriverOptions } from './linux-host-driver.js';

export type { LinuxHostDriverOptions, ResolveSecret } from './linux-host-driver.js';

export const createLinuxHostDriver = (options: LinuxHostDriverOptions): TargetDriver => new RedactingDriver(new LinuxHostDriver(options));
