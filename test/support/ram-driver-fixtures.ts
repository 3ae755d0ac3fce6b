/** Helpers shared by the RAM driver tests: the driver pointed at the RAM test server, and real logins. */
import { createRamAccessKeyDriver } from '../../shared/adapters/drivers/ram/drivers.js';
import type { RamAccessKeyDriverOptions } from '../../shared/adapters/drivers/ram/ram-access-key-driver.js';
import { formatAccessKey, requireAccessKey } from '../../shared/adapters/drivers/ram/access-key-value.js';
import { sdkRamApi } from '../../shared/adapters/drivers/ram/ram-api.js';
import { AUTHENTICATION_CODES } from '../../shared/adapters/drivers/ram/ram-errors.js';
import type { TargetDriver } from '../../shared/ports/target-driver.js';
import type { IssuedKey, RamOpenApiTestServer } from './ram-openapi-server/index.js';

export const ramDriverFor = (server: RamOpenApiTestServer, options: Partial<RamAccessKeyDriverOptions> = {}): TargetDriver =>
  createRamAccessKeyDriver({
    credentials: () => server.manager,
    endpoint: `http://${server.endpoint}`,
    // Verify's back-off is not what these tests are about; the attempts still happen.
    sleep: async () => undefined,
    ...options,
  });

export const valueOfKey = (key: IssuedKey): string =>
  formatAccessKey({ AccessKeyId: key.accessKeyId, AccessKeySecret: key.accessKeySecret }, key.createDate);

/**
 * A real call signed with the value's key (GetUser on its user, through the official SDK): true
 * when it authenticates, false when RAM refuses the key or the signature.
 */
export const logsInWith = async (server: RamOpenApiTestServer, value: string, userName: string): Promise<boolean> => {
  const { AccessKeyId, AccessKeySecret } = requireAccessKey(value, 'value');
  try {
    await sdkRamApi({ endpoint: `http://${server.endpoint}` })({ accessKeyId: AccessKeyId, accessKeySecret: AccessKeySecret }).getUser(userName);
    return true;
  } catch (error) {
    const code = (error as { code?: string }).code ?? '';
    if (AUTHENTICATION_CODES.has(code)) return false;
    throw error;
  }
};

export const keyIdsOf = (server: RamOpenApiTestServer, userName: string): string[] => server.keysOf(userName).map((k) => k.accessKeyId);

export const idOf = (value: string): string => requireAccessKey(value, 'value').AccessKeyId;
