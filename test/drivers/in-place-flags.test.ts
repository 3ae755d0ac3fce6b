/**
 * Which configurations replace ACSCurrent in place: the engine asks the target about both values
 * before giving up only for these, so a driver that says no here must leave ACSCurrent working
 * through apply (dual accounts, keys added beside the one in use). Read through the wiring the
 * runtime uses (behind the redaction decorator); no target is contacted.
 */
import { describe, expect, it } from 'vitest';
import { createEcsSecretDriver } from '../../shared/adapters/drivers/ecs/drivers.js';
import { createRdsDriver } from '../../shared/adapters/drivers/rds/drivers.js';
import { createPostgresDriver } from '../../shared/adapters/drivers/sql/drivers.js';
import { createLinuxHostDriver } from '../../shared/adapters/drivers/ssh/drivers.js';
import type { DriverSecret, TargetDriver } from '../../shared/ports/target-driver.js';

const credentials = () => ({ accessKeyId: 'test-id', accessKeySecret: 'test-secret' });
const resolveSecret = async () => '';

const inPlace = (driver: TargetDriver, secret: DriverSecret): boolean => {
  driver.validateConfig(secret);
  return driver.replacesCurrentInPlace?.(secret) ?? false;
};

describe('replacesCurrentInPlace', () => {
  it('RDS: SingleUser resets the account in use, DoubleUsers the other one', () => {
    const driver = createRdsDriver({ credentials });
    const rds = (SecretSubType: string): DriverSecret => ({ name: 'rds/a', type: 'Rds', extendedConfig: { SecretSubType, DBInstanceId: 'rm-test0001' } });
    expect(inPlace(driver, rds('SingleUser'))).toBe(true);
    expect(inPlace(driver, rds('DoubleUsers'))).toBe(false);
  });

  it('self-managed SQL: SingleUser in place, DoubleUsers not', () => {
    const driver = createPostgresDriver({ resolveSecret });
    const sql = (Strategy: string): DriverSecret => ({
      name: 'db/a',
      type: 'Generic',
      extendedConfig: { SecretSubType: 'PostgreSQL', Strategy, Host: 'db.internal', ManagerSecretName: 'db/manager', Role: 'app_role' },
    });
    expect(inPlace(driver, sql('SingleUser'))).toBe(true);
    expect(inPlace(driver, sql('DoubleUsers'))).toBe(false);
  });

  it('Linux host over SSH: a password in place, a key beside the one in use', () => {
    const driver = createLinuxHostDriver({ resolveSecret });
    const host = (SecretSubType: string): DriverSecret => ({
      name: 'hosts/web-1',
      type: 'Generic',
      extendedConfig: { SecretSubType, Host: 'web-1.internal', UserName: 'deploy', ManagerSecretName: 'hosts/manager', HostKeyFingerprint: `SHA256:${'A'.repeat(43)}` },
    });
    expect(inPlace(driver, host('LinuxPassword'))).toBe(true);
    expect(inPlace(driver, host('LinuxSSHKey'))).toBe(false);
  });

  it('ECS: a password in place, a key beside the one in use', () => {
    const driver = createEcsSecretDriver({ credentials });
    const ecs = (SecretSubType: string): DriverSecret => ({
      name: 'acs/ecs/a',
      type: 'ECS',
      extendedConfig: { SecretSubType, RegionId: 'cn-hangzhou', InstanceId: 'i-test0001' },
    });
    expect(inPlace(driver, ecs('Password'))).toBe(true);
    expect(inPlace(driver, ecs('SSHKey'))).toBe(false);
  });
});
