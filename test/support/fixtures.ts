/**
 * Builders of valid records for tests. Defaults are fixed (no clock, no randomness) so tests that
 * snapshot or compare records stay deterministic; pass overrides for what a test is about.
 */
import {
  STAGE_CURRENT,
  type RotationJob,
  type RotationPolicy,
  type SecretRecord,
  type VersionRecord,
} from '../../shared/domain/secret.js';

/** 2023-11-14T22:13:20Z: a fixed "now" for fixtures. */
export const FIXTURE_TIME = 1_700_000_000_000;

export type SecretOverrides = Partial<Omit<SecretRecord, 'rotation'>> & { rotation?: Partial<RotationPolicy> };

/** A Generic secret named "test-secret" whose ACSCurrent is version "v1". Rotation fields merge. */
export const makeSecret = (overrides: SecretOverrides = {}): SecretRecord => {
  const { rotation, ...rest } = overrides;
  return {
    name: 'test-secret',
    type: 'Generic',
    description: '',
    encryptionKeyId: 'local/default',
    extendedConfig: null,
    tags: [],
    dataType: 'text',
    createdAt: FIXTURE_TIME,
    updatedAt: FIXTURE_TIME,
    stages: { [STAGE_CURRENT]: 'v1' },
    plannedDeleteAt: null,
    job: null,
    lastRotation: null,
    rotationWindow: { startedAt: FIXTURE_TIME, count: 0 },
    revision: 1,
    ...rest,
    rotation: { enabled: false, intervalSeconds: null, lastRotatedAt: null, nextRotationAt: null, ...rotation },
  };
};

/** A secret with automatic rotation enabled and due at `nextRotationAt`. */
export const makeRotatingSecret = (nextRotationAt: number, overrides: SecretOverrides = {}): SecretRecord =>
  makeSecret({
    type: 'Rds',
    extendedConfig: '{"SecretSubType":"SingleUser","DBInstanceId":"rm-test","CustomData":{}}',
    ...overrides,
    rotation: { enabled: true, intervalSeconds: 86_400, nextRotationAt, ...overrides.rotation },
  });

/** A rotation job at its first step. */
export const makeJob = (overrides: Partial<RotationJob> = {}): RotationJob => ({
  versionId: 'v2',
  step: 'createPending',
  attempt: 1,
  trigger: 'manual',
  startedAt: FIXTURE_TIME,
  stepStartedAt: FIXTURE_TIME,
  customValue: false,
  lastError: null,
  ...overrides,
});

/**
 * Version "v1" of "test-secret". The envelope is well formed (base64 fields of the right sizes)
 * but decrypts under no key: use shared/app/envelope.ts when a test needs a readable value.
 */
export const makeVersion = (overrides: Partial<VersionRecord> = {}): VersionRecord => ({
  secretName: 'test-secret',
  versionId: 'v1',
  createdAt: FIXTURE_TIME,
  envelope: {
    alg: 'AES-256-GCM',
    keyId: 'local/00000000',
    wrappedKey: Buffer.alloc(61, 1).toString('base64'),
    iv: Buffer.alloc(12, 2).toString('base64'),
    tag: Buffer.alloc(16, 3).toString('base64'),
    ciphertext: Buffer.from('fixture ciphertext').toString('base64'),
  },
  ...overrides,
});
