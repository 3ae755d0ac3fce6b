import { isAbsolute, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../shared/runtime/config.js';

const problemsOf = (env: Record<string, string>): string[] => {
  try {
    loadConfig(env, '/srv/app');
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as ConfigError).problems;
  }
  throw new Error('expected a ConfigError');
};

describe('loadConfig', () => {
  it('has documented defaults', () => {
    const config = loadConfig({}, '/srv/app');
    expect(config).toMatchObject({
      backend: 'local',
      host: '127.0.0.1',
      port: 9000,
      dataDir: join('/srv/app', '.rotor'),
      rootAccessKey: null,
      logLevel: 'info',
      queueName: 'secret-rotor-rotation',
      queuePollMs: 500,
    });
    expect(config.maxStepAttempts).toBeGreaterThan(0);
    expect(config.retryMaxSeconds).toBeGreaterThanOrEqual(config.retryBaseSeconds);
  });

  it('reads every variable', () => {
    const config = loadConfig(
      {
        PORT: '9100',
        HOST: '0.0.0.0',
        ROTOR_DATA_DIR: 'state',
        ROTOR_REGION: 'cn-shanghai',
        ROTOR_ACCOUNT_ID: '1234567890123456',
        ROTOR_ACCESS_KEY_ID: 'LTAIexample0001',
        ROTOR_ACCESS_KEY_SECRET: 'a-long-enough-secret-value',
        ROTOR_LOG_LEVEL: 'debug',
        ROTOR_MAX_STEP_ATTEMPTS: '7',
        ROTOR_RETRY_BASE_SECONDS: '3',
        ROTOR_RETRY_MAX_SECONDS: '90',
        ROTOR_QUEUE_VISIBILITY_SECONDS: '45',
        ROTOR_QUEUE_MAX_RECEIVES: '4',
        ROTOR_QUEUE_NAME: 'steps',
        ROTOR_QUEUE_POLL_MS: '60000',
        ROTOR_STORE_LOCKING: 'shared',
        ROTOR_LEASE_SECONDS: '120',
        ROTOR_MAX_RECONCILES: '2',
        ROTOR_ROTATION_CONCURRENCY: '40',
        ROTOR_ROTATION_STARTS_PER_TICK: '80',
        ROTOR_ROTATION_KIND_LIMITS: 'ram-access-key=5/10, postgresql=20/30',
        ROTOR_ROTATION_START_JITTER_SECONDS: '15',
        ROTOR_ROTATION_OVERDUE_SECONDS: '600',
      },
      '/srv/app',
    );
    expect(config).toEqual({
      backend: 'local',
      host: '0.0.0.0',
      port: 9100,
      dataDir: join('/srv/app', 'state'),
      region: 'cn-shanghai',
      accountId: '1234567890123456',
      rootAccessKey: { accessKeyId: 'LTAIexample0001', accessKeySecret: 'a-long-enough-secret-value' },
      logLevel: 'debug',
      maxStepAttempts: 7,
      retryBaseSeconds: 3,
      retryMaxSeconds: 90,
      queueVisibilitySeconds: 45,
      queueMaxReceives: 4,
      queueName: 'steps',
      queuePollMs: 60_000,
      storeLocking: 'shared',
      rotationTuning: {
        leaseSeconds: 120,
        maxReconciles: 2,
        rotationLimits: { maxConcurrent: 40, startsPerTick: 80 },
        // Kinds not named keep their defaults.
        rotationLimitsByKind: {
          'generated-password': { maxConcurrent: 1000, startsPerTick: 1000 },
          'ram-access-key': { maxConcurrent: 5, startsPerTick: 10 },
          'rds-account': { maxConcurrent: 10, startsPerTick: 20 },
          ecs: { maxConcurrent: 10, startsPerTick: 20 },
          postgresql: { maxConcurrent: 20, startsPerTick: 30 },
        },
        startJitterSeconds: 15,
        overdueAfterSeconds: 600,
      },
      cloud: null,
    });
  });

  it('refuses a per-kind rotation limit that is not kind=maxConcurrent/startsPerTick with positive numbers', () => {
    for (const bad of ['ram-access-key=5', 'ram=0/10', 'ram=5/0', 'RAM=5/10', 'ram=5/10,,']) {
      expect(() => loadConfig({ ROTOR_ROTATION_KIND_LIMITS: bad })).toThrow(/ROTOR_ROTATION_KIND_LIMITS: expected kind=maxConcurrent/);
    }
  });

  it('backend alibaba names every missing cloud variable, and reads them when given', () => {
    expect(() => loadConfig({ ROTOR_BACKEND: 'alibaba' })).toThrow(
      /ROTOR_OTS_ENDPOINT: is required[\s\S]*ROTOR_OTS_INSTANCE: is required[\s\S]*ROTOR_KMS_KEY_ID: is required[\s\S]*ROTOR_ACCESS_KEY_ID: is required/,
    );
    const config = loadConfig({
      ROTOR_BACKEND: 'alibaba',
      ROTOR_ACCOUNT_ID: '1234567890123456',
      ROTOR_ACCESS_KEY_ID: 'LTAIexample0001',
      ROTOR_ACCESS_KEY_SECRET: 'a-long-enough-secret-value',
      ROTOR_OTS_ENDPOINT: 'https://rotor.cn-hangzhou.ots.aliyuncs.com',
      ROTOR_OTS_INSTANCE: 'rotor',
      ROTOR_KMS_KEY_ID: 'alias/secret-rotor',
      ROTOR_EVENTS_TOPIC: 'events',
    });
    expect(config.cloud).toEqual({
      tablestore: { endpoint: 'https://rotor.cn-hangzhou.ots.aliyuncs.com', instanceName: 'rotor', tablePrefix: 'rotor_' },
      mns: { endpoint: undefined, accountId: '1234567890123456', topicName: 'events' },
      kms: { endpoint: undefined, keyId: 'alias/secret-rotor' },
    });
    expect(() => loadConfig({ ROTOR_BACKEND: 'alibaba', ROTOR_OTS_ENDPOINT: 'not a url' })).toThrow(/ROTOR_OTS_ENDPOINT: expected a URL/);
  });

  it('resolves the data dir to an absolute path', () => {
    expect(isAbsolute(loadConfig({ ROTOR_DATA_DIR: './x' }).dataDir)).toBe(true);
  });

  it('treats empty variables as unset', () => {
    expect(loadConfig({ PORT: '', ROTOR_LOG_LEVEL: '' }).port).toBe(9000);
  });

  it('holds the store file exclusively unless told to share it', () => {
    expect(loadConfig({}).storeLocking).toBe('exclusive');
    expect(loadConfig({ ROTOR_STORE_LOCKING: 'shared' }).storeLocking).toBe('shared');
  });

  it.each([
    ['PORT', 'abc'],
    ['PORT', '65536'],
    ['PORT', '80.5'],
    ['ROTOR_LOG_LEVEL', 'loud'],
    ['ROTOR_REGION', 'CN HANGZHOU'],
    ['ROTOR_ACCOUNT_ID', 'acct-1'],
    ['ROTOR_MAX_STEP_ATTEMPTS', '0'],
    ['ROTOR_RETRY_BASE_SECONDS', '-1'],
    ['ROTOR_QUEUE_VISIBILITY_SECONDS', 'soon'],
    ['ROTOR_QUEUE_MAX_RECEIVES', '1e9'],
    ['ROTOR_QUEUE_NAME', '1-starts-with-a-digit'],
    ['ROTOR_QUEUE_POLL_MS', '5'],
    ['ROTOR_QUEUE_POLL_MS', '3600001'],
    ['ROTOR_STORE_LOCKING', 'none'],
    ['ROTOR_BACKEND', 'aws'],
  ])('names %s when it is %j', (name, value) => {
    const problems = problemsOf({ [name]: value });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(new RegExp(`^${name}: `));
  });

  it('reports every bad variable at once', () => {
    const problems = problemsOf({ PORT: 'x', ROTOR_LOG_LEVEL: 'y' });
    expect(problems.map((p) => p.split(':')[0]).sort()).toEqual(['PORT', 'ROTOR_LOG_LEVEL']);
  });

  it('wants both halves of the root AccessKey or neither', () => {
    expect(problemsOf({ ROTOR_ACCESS_KEY_ID: 'LTAIexample0001' })[0]).toMatch(/^ROTOR_ACCESS_KEY_SECRET: .*set together/);
    expect(problemsOf({ ROTOR_ACCESS_KEY_SECRET: 'a-long-enough-secret-value' })[0]).toMatch(/^ROTOR_ACCESS_KEY_ID: /);
  });

  it('never echoes a value, so a mistyped secret stays out of logs', () => {
    const secret = 'short-secret';
    const message = (() => {
      try {
        loadConfig({ ROTOR_ACCESS_KEY_ID: 'LTAIexample0001', ROTOR_ACCESS_KEY_SECRET: secret });
      } catch (e) {
        return (e as Error).message;
      }
      return '';
    })();
    expect(message).toMatch(/ROTOR_ACCESS_KEY_SECRET: expected at least 16 characters/);
    expect(message).not.toContain(secret);
  });

  it('refuses a retry ceiling below the base', () => {
    expect(problemsOf({ ROTOR_RETRY_BASE_SECONDS: '10', ROTOR_RETRY_MAX_SECONDS: '5' })).toEqual([
      'ROTOR_RETRY_MAX_SECONDS: must not be less than ROTOR_RETRY_BASE_SECONDS',
    ]);
  });
});
