/** The managed ECS secret driver as the runtime registers it: redaction always on. */
import type { TargetDriver } from '../../../ports/target-driver.js';
import type { CredentialsProvider } from '../../support/cloud-credentials.js';
import { RedactingDriver } from '../redacting-driver.js';
import { sdkCloudAssistant, type CloudAssistantOptions } from './cloud-assistant.js';
import { EcsSecretDriver } from './ecs-secret-driver.js';

export type { CloudAssistant, CloudAssistantOptions } from './cloud-assistant.js';

export interface EcsDriverOptions extends Omit<CloudAssistantOptions, 'credentials'> {
  credentials: CredentialsProvider;
}

export const createEcsSecretDriver = (options: EcsDriverOptions): TargetDriver =>
  new RedactingDriver(new EcsSecretDriver({ cloudAssistant: sdkCloudAssistant(options) }));

/** ROTOR_ECS_ENDPOINT overrides the regional ECS endpoint (a VPC endpoint, or a test server). */
export const ecsEndpointFromEnv = (env: NodeJS.ProcessEnv = process.env): { endpoint?: string } =>
  env.ROTOR_ECS_ENDPOINT ? { endpoint: env.ROTOR_ECS_ENDPOINT } : {};
