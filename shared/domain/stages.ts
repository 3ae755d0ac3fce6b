/** Stage-label rules of Generic secrets (PutSecretValue, UpdateSecretVersionStage). */
import { invalidParameter } from './errors.js';
import { withEntry, withoutEntry } from './own-record.js';
import { STAGE_CURRENT, STAGE_PREVIOUS, stageHolder, type SecretRecord } from './secret.js';
import { validateStageName } from './validation.js';

export const MAX_STAGES_PER_SECRET = 8;

/**
 * Moves `stage` onto `versionId`. Moving ACSCurrent hands the old current ACSPrevious, which is
 * how KMS keeps the last good value readable after a manual rotation.
 */
export const moveStage = (
  stages: Record<string, string>,
  stage: string,
  versionId: string,
): Record<string, string> => {
  const holder = stageHolder(stages, stage);
  const handedOn = stage === STAGE_CURRENT && holder !== undefined && holder !== versionId ? withEntry(stages, STAGE_PREVIOUS, holder) : stages;
  return withEntry(handedOn, stage, versionId);
};

const assertStageCount = (stages: Record<string, string>): void => {
  if (Object.keys(stages).length > MAX_STAGES_PER_SECRET)
    throw invalidParameter('VersionStage', `a secret can have at most ${MAX_STAGES_PER_SECRET} version stages`);
};

/** Stages after PutSecretValue labels a new version with `labels` (default ACSCurrent). */
export const stagesAfterPut = (secret: SecretRecord, versionId: string, labels: string[]): Record<string, string> => {
  let stages = secret.stages;
  for (const label of labels) {
    if (label !== STAGE_CURRENT) validateStageName(label, 'VersionStages');
    if (label === STAGE_PREVIOUS) throw invalidParameter('VersionStages', 'ACSPrevious is assigned by KMS, not by callers');
    stages = moveStage(stages, label, versionId);
  }
  assertStageCount(stages);
  return stages;
};

export interface StageUpdate {
  versionStage: string;
  moveToVersion?: string;
  removeFromVersion?: string;
}

/** UpdateSecretVersionStage: add (move only), remove (remove only, custom stages) or move (both). */
export const stagesAfterUpdate = (
  secret: SecretRecord,
  update: StageUpdate,
  versionExists: (versionId: string) => boolean,
): Record<string, string> => {
  const { versionStage, moveToVersion, removeFromVersion } = update;
  const builtIn = versionStage === STAGE_CURRENT || versionStage === STAGE_PREVIOUS;
  if (!builtIn) validateStageName(versionStage);
  if (!moveToVersion && !removeFromVersion)
    throw invalidParameter('MoveToVersion', 'MoveToVersion or RemoveFromVersion must be given');
  if (builtIn && !moveToVersion)
    throw invalidParameter('MoveToVersion', `${versionStage} can only be moved, so MoveToVersion is required`);
  const holder = stageHolder(secret.stages, versionStage);
  if (removeFromVersion !== undefined && holder !== removeFromVersion)
    throw invalidParameter('RemoveFromVersion', `the stage is not attached to version ${removeFromVersion}`);
  if (moveToVersion !== undefined && !versionExists(moveToVersion))
    throw invalidParameter('MoveToVersion', `version ${moveToVersion} does not exist`);
  if (moveToVersion === undefined) return withoutEntry(secret.stages, versionStage);
  const next =
    versionStage === STAGE_PREVIOUS ? withEntry(secret.stages, STAGE_PREVIOUS, moveToVersion) : moveStage(secret.stages, versionStage, moveToVersion);
  assertStageCount(next);
  return next;
};
