/** The KMS API client for a command, from its global options, the environment and the profile. */
import type { Invocation } from './command.js';
import { connectKms, type KmsApi } from './kms.js';
import { resolveConnection } from './settings.js';
import { userAgent } from './version.js';

export const apiFor = (invocation: Invocation): KmsApi => connectKms(resolveConnection(invocation.globals, invocation.io), userAgent());
