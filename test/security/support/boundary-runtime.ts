/**
 * A local runtime process for the boundary suites: a known region and account (so tests can write
 * ARNs), shared store locking (so the state can be snapshotted while it runs), signed calls as root
 * or as a test key, the test key's policy, the audit trail, and a console session over plain HTTP.
 */
import { secretResource } from '../../../shared/domain/policy/index.js';
import { readRootCredentials, startRuntimeProcess, type RuntimeProcess } from '../../support/runtime-process.js';
import { tempDir, type TempDir } from '../../support/runtime.js';
import { secretScanHooks } from '../../support/secret-scan-hooks.js';
import { signedV1, signedV3, type Key, type Pairs } from './signed-requests.js';
import { snapshotStore } from './store-snapshot.js';
import { createAgent, sendHttp, type HttpShape, type WireResponse } from './wire.js';

export const REGION = 'cn-hangzhou';
export const ACCOUNT = '1234567890123456';
export const arnOf = (name: string, region = REGION, account = ACCOUNT): string => `acs:kms:${region}:${account}:secret/${name}`;
export const canonicalArn = (name: string): string => secretResource({ region: REGION, accountId: ACCOUNT }, name);

export interface KmsAnswer {
  status: number;
  body: Record<string, unknown>;
}

export type Signing = 'v1-query' | 'v1-form' | 'v3-query' | 'v3-form';

export interface BoundaryRuntime {
  readonly runtime: RuntimeProcess;
  readonly root: Key;
  readonly host: string;
  send(shape: HttpShape): Promise<WireResponse>;
  call(action: string, params: Pairs, key: Key, signing?: Signing, headers?: Record<string, string>): Promise<KmsAnswer>;
  /** As root; throws unless 200. */
  setup(action: string, params: Pairs): Promise<Record<string, unknown>>;
  /** A rotatable Generic secret (generated passwords) holding `value`, which the secret scan then looks for. */
  createSecret(name: string, value: string): Promise<void>;
  createKey(description: string): Promise<Key>;
  putPolicy(key: Key, document: unknown): Promise<KmsAnswer>;
  /** The audit records of one AccessKey, by RequestId: the SecretName each names. */
  auditedSecretNames(key: Key): Promise<Map<string, string>>;
  /** Secrets, versions and queued rotation steps (AccessKeys and their policies are left out). */
  secretState(): unknown;
  stop(): Promise<void>;
}

const shapeFor = (action: string, params: Pairs, key: Key, signing: Signing, host: string): HttpShape => {
  switch (signing) {
    case 'v1-query':
      return signedV1(action, params, key, 'query-post');
    case 'v1-form':
      return signedV1(action, params, key, 'form');
    case 'v3-query':
      return signedV3(action, params, key, host, false);
    case 'v3-form':
      return signedV3(action, params, key, host, true);
  }
};

const parse = (res: WireResponse): KmsAnswer => {
  const text = res.body.toString('utf8');
  try {
    return { status: res.status, body: JSON.parse(text) as Record<string, unknown> };
  } catch {
    return { status: res.status, body: { unparsed: text.slice(0, 200) } };
  }
};

/** `env`: more of the runtime's environment (target endpoints, the cloud key its drivers use, ROTOR_MAX_STEP_ATTEMPTS ...). */
export const startBoundaryRuntime = async (prefix: string, env: Record<string, string> = {}): Promise<BoundaryRuntime> => {
  const dir: TempDir = tempDir(prefix);
  const runtime = await startRuntimeProcess({
    dataDir: dir.path,
    env: { ROTOR_LOG_LEVEL: 'warn', ROTOR_STORE_LOCKING: 'shared', ROTOR_REGION: REGION, ROTOR_ACCOUNT_ID: ACCOUNT, ...env },
  });
  const rootCredentials = readRootCredentials(dir.path);
  const root = { id: rootCredentials.accessKeyId, secret: rootCredentials.accessKeySecret };
  const agent = createAgent(8);
  const host = `127.0.0.1:${runtime.port}`;
  const send = (shape: HttpShape) => sendHttp(runtime.port, agent, shape);
  const call = async (action: string, params: Pairs, key: Key, signing: Signing = 'v1-query', headers: Record<string, string> = {}) => {
    const shape = shapeFor(action, params, key, signing, host);
    return parse(await send({ ...shape, headers: { ...shape.headers, ...headers } }));
  };
  const setup = async (action: string, params: Pairs) => {
    const answer = await call(action, params, root);
    if (answer.status !== 200) throw new Error(`setup ${action} failed: ${answer.status} ${String(answer.body.Code)}`);
    return answer.body;
  };
  return {
    runtime,
    root,
    host,
    send,
    call,
    setup,
    createSecret: async (name, value) => {
      secretScanHooks.register(value, `${prefix} secret ${name}`);
      await setup('CreateSecret', [['SecretName', name], ['VersionId', 'v1'], ['SecretData', value], ['ExtendedConfig', '{"SecretSubType":"GeneratedPassword"}']]);
    },
    createKey: async (description) => {
      const created = (await setup('CreateAccessKey', [['Description', description]])) as { AccessKey: { AccessKeyId: string; AccessKeySecret: string } };
      secretScanHooks.register(created.AccessKey.AccessKeySecret, `${prefix} AccessKey`);
      return { id: created.AccessKey.AccessKeyId, secret: created.AccessKey.AccessKeySecret };
    },
    putPolicy: (key, document) =>
      call('PutAccessKeyPolicy', [['UserAccessKeyId', key.id], ['PolicyName', 'under-test'], ['PolicyDocument', JSON.stringify(document)]], root),
    auditedSecretNames: async (key) => {
      const names = new Map<string, string>();
      for (let page = 1; ; page++) {
        const body = await setup('ListAuditRecords', [['FilterAccessKeyId', key.id], ['PageSize', '100'], ['PageNumber', String(page)]]);
        const records = ((body.AuditRecords as { AuditRecord?: unknown[] } | undefined)?.AuditRecord ?? []) as { RequestId: string; SecretName: string }[];
        for (const r of records) names.set(r.RequestId, r.SecretName);
        if (records.length < 100) return names;
      }
    },
    secretState: () => {
      const { secrets, versions, queuedJobs } = snapshotStore(dir.path);
      return { secrets, versions, queuedJobs };
    },
    stop: async () => {
      agent.destroy();
      if (runtime.child.exitCode === null) await runtime.stop('SIGTERM');
      dir.remove();
    },
  };
};
