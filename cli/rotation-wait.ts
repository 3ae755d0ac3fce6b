/**
 * Waits for a rotation to end by polling DescribeSecret. secret-rotor reports `RotationStatus`
 * (Rotating, Failed, Normal) and `RotationStep`; KMS itself does not, so without them the wait ends
 * when the rotation's version holds ACSCurrent (ListSecretVersionIds). Time and sleeping are
 * injected: the loop is tested without a wall clock.
 */
import { record, text, wrappedList } from './output.js';
import type { ApiResponse } from './kms.js';

export type RotationOutcome =
  | { status: 'Succeeded'; elapsedMs: number }
  | { status: 'Failed'; elapsedMs: number; error?: { Code?: string; Message?: string }; reason: string }
  | { status: 'TimedOut'; elapsedMs: number; step?: string };

export interface RotationWaitDeps {
  describeSecret(): Promise<ApiResponse>;
  /**
   * ListSecretVersionIds without deprecated versions: only staged ones, a handful, so one page of
   * 100 holds the ACSCurrent version.
   */
  listVersions(): Promise<ApiResponse>;
  now(): number;
  sleep(ms: number): Promise<void>;
  /** Called when the reported step changes (undefined: no step reported). */
  onProgress(state: { status?: string; step?: string; elapsedMs: number }): void;
}

export interface RotationWaitOptions {
  versionId: string;
  timeoutMs: number;
  pollMs: number;
}

const isCurrent = (versions: ApiResponse, versionId: string): boolean =>
  wrappedList(versions.VersionIds, 'VersionId').some((v) => {
    const entry = record(v);
    return entry.VersionId === versionId && wrappedList(entry.VersionStages, 'VersionStage').includes('ACSCurrent');
  });

const versionIsCurrent = async (deps: RotationWaitDeps, versionId: string): Promise<boolean> =>
  isCurrent(await deps.listVersions(), versionId);

const errorOf = (value: unknown): { Code?: string; Message?: string } | undefined => {
  const e = record(value);
  const code = text(e.Code);
  const message = text(e.Message);
  return code === undefined && message === undefined ? undefined : { Code: code, Message: message };
};

export const waitForRotation = async (deps: RotationWaitDeps, options: RotationWaitOptions): Promise<RotationOutcome> => {
  const started = deps.now();
  const elapsed = (): number => deps.now() - started;
  let lastReported: string | null = null;
  for (;;) {
    const secret = await deps.describeSecret();
    const status = text(secret.RotationStatus);
    const step = text(secret.RotationStep);
    const state = `${status ?? ''}/${step ?? ''}`;
    if (state !== lastReported) {
      lastReported = state;
      deps.onProgress({ status, step, elapsedMs: elapsed() });
    }
    if (status === 'Failed' || status === 'Abandoned') {
      const reason = status === 'Failed' ? 'the rotation failed' : 'the rotation was abandoned (ACSCurrent kept)';
      return { status: 'Failed', elapsedMs: elapsed(), error: errorOf(secret.LastRotationError), reason };
    }
    if (status !== 'Rotating') {
      if (await versionIsCurrent(deps, options.versionId)) return { status: 'Succeeded', elapsedMs: elapsed() };
      // secret-rotor says no rotation is running, yet the version did not become current.
      if (status === 'Normal') {
        return {
          status: 'Failed',
          elapsedMs: elapsed(),
          reason: `no rotation is running and version ${options.versionId} is not ACSCurrent (an earlier rotation with this VersionId?)`,
        };
      }
    }
    if (elapsed() >= options.timeoutMs) return { status: 'TimedOut', elapsedMs: elapsed(), step };
    await deps.sleep(Math.min(options.pollMs, Math.max(0, options.timeoutMs - elapsed())));
  }
};
