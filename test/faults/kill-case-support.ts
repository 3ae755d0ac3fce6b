/**
 * What a kill -9 case does through the runtime's public faces: KMS actions through the official
 * SDK, waiting for a fault point's marker line, and reading the runtime's queue file. Shared by the
 * kill matrix (kill-matrix.test.ts) and the kill of RAM's delayed cleanup (kill-cleanup.test.ts).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { KmsClient } from '../support/kms-sdk-client.js';
import type { Target } from './kill-targets.js';

/**
 * Quick retries; the queue poll is short so the restarted runtime resumes at once. The lease is
 * the default (15 min), far beyond a case: nothing here may wait for one to run out. A restarted
 * runtime makes the dead one's unacknowledged messages visible again and takes over the leases it
 * held (shared/runtime/local/lease-owners.ts), so a rotation killed right after a step was stored,
 * its next step never queued, goes on at once.
 */
export const RUNTIME_ENV = {
  ROTOR_REGION: 'cn-hangzhou',
  ROTOR_LOG_LEVEL: 'warn',
  ROTOR_QUEUE_POLL_MS: '50',
  ROTOR_QUEUE_VISIBILITY_SECONDS: '30',
  ROTOR_RETRY_BASE_SECONDS: '1',
  ROTOR_RETRY_MAX_SECONDS: '2',
};

export type Fields = Record<string, unknown>;

/**
 * An action through the SDK's own transport and signer, with timeouts far above the SDK's 3 s:
 * creating a managed secret calls the cloud test servers, which share this process with several
 * cases at once, on a machine that may be busy.
 */
export const callAction = (client: KmsClient, action: string, query: Record<string, string>): Promise<Fields> =>
  client.doRequest(action, 'HTTPS', 'POST', '2016-01-20', 'AK', query, null as never, { readTimeout: 120_000, connectTimeout: 60_000 } as never);

/** The SDK's timeouts and dropped connections: worth asking again while polling, nothing else is. */
const isTransient = (error: unknown): boolean => {
  const text = `${(error as { name?: string }).name ?? ''} ${(error as { message?: string }).message ?? ''}`;
  return /RequestTimeoutError|ECONNRESET|ECONNREFUSED|socket hang up/.test(text);
};

/** Polls until the probe has an answer; slower than the e2e helper, as several cases poll at once. */
export const until = async <T>(probe: () => Promise<T | undefined>, what: string, timeoutMs: number): Promise<T> => {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch((error: unknown) => {
      if (isTransient(error) && Date.now() < deadline) return undefined;
      throw error;
    });
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
};

export const waitForMarker = (file: string, point: string, secretName: string): Promise<true> =>
  until(
    async () => {
      if (!existsSync(file)) return undefined;
      const lines = readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as { point: string; secretName: string });
      return lines.some((l) => l.point === point && l.secretName === secretName) ? true : undefined;
    },
    `the rotation to reach ${point}`,
    60_000,
  );

/**
 * The step messages in the runtime's queue file, read without taking part in it; undefined while
 * the runtime holds it busy (a short timeout: SQLite waits synchronously, which would stall the
 * test servers that share this process).
 */
export const queuedSteps = (dataDir: string): string[] | undefined => {
  let db: Database.Database | undefined;
  try {
    db = new Database(join(dataDir, 'queue.db'), { readonly: true, fileMustExist: true, timeout: 50 });
    const rows = db.prepare('SELECT body FROM queue_messages').all() as { body: string }[];
    return rows.map((r) => (JSON.parse(r.body) as { step: string }).step).sort();
  } catch (error) {
    if ((error as { code?: string }).code === 'SQLITE_BUSY') return undefined;
    throw error;
  } finally {
    db?.close();
  }
};

export const stageValue = async (sdk: KmsClient, name: string, query: Record<string, string>): Promise<Fields> =>
  callAction(sdk, 'GetSecretValue', { SecretName: name, ...query });

export const versionsOf = async (sdk: KmsClient, name: string): Promise<Record<string, string[]>> => {
  const res = await callAction(sdk, 'ListSecretVersionIds', { SecretName: name, IncludeDeprecated: 'true', PageSize: '100' });
  const list = (res.VersionIds as { VersionId: Array<{ VersionId: string; VersionStages?: { VersionStage: string[] } }> }).VersionId;
  return Object.fromEntries(list.map((v) => [v.VersionId, [...(v.VersionStages?.VersionStage ?? [])].sort()]));
};

/** Done: Normal again, ACSCurrent is the rotation's version, and only the expected delayed steps are queued. */
export const rotationSettled = (sdk: KmsClient, dataDir: string, target: Target, versionId: string) =>
  until(
    async () => {
      const described = await callAction(sdk, 'DescribeSecret', { SecretName: target.name });
      if (described.RotationStatus !== 'Normal') return undefined;
      const current = await stageValue(sdk, target.name, { VersionStage: 'ACSCurrent' });
      if (current.VersionId !== versionId) return undefined;
      const leftover = queuedSteps(dataDir);
      if (leftover === undefined) return undefined;
      // Kinds, not counts: a finalize run again after a kill queues its delayed cleanup again, which is harmless.
      return JSON.stringify([...new Set(leftover)]) === JSON.stringify(target.expectedLeftoverSteps) ? described : undefined;
    },
    `the rotation of ${target.name} to complete after the restart`,
    // No lease or timer tick to wait for (see RUNTIME_ENV): a few steps, on a busy machine.
    120_000,
  );
