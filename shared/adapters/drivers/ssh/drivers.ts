/** The Linux-host driver as the runtime should register it: redaction always on. */
import type { TargetDriver } from '../../../ports/target-driver.js';
import { RedactingDriver, type OperatorLog } from '../redacting-driver.js';
import { LinuxHostDriver, type LinuxHostDriverOptions } from './linux-host-driver.js';

export type { LinuxHostDriverOptions, ResolveSecret } from './linux-host-driver.js';

/** `operatorLog` gets the detail of failures to connect or log in, which callers see only as Target.Unavailable. */
export const createLinuxHostDriver = ({ operatorLog, ...options }: LinuxHostDriverOptions & { operatorLog?: OperatorLog }): TargetDriver =>
  new RedactingDriver(new LinuxHostDriver(options), operatorLog);
