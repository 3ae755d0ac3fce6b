/**
 * Attacker's goal at the stage-label decision functions: pick a label, any string at all, that the
 * stage rules accept but then store somewhere else than under its own name (a prototype, nowhere),
 * or that a lookup answers from Object.prototype instead of the record: a 500 on read, a write
 * acknowledged and lost, or one secret's label resolving to a version nobody attached it to.
 * Every label is either refused with InvalidParameter, or stored as an own entry that reads back,
 * survives the store's JSON round trip, moves and is removed like any other.
 */
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { KmsError } from '../../../shared/domain/errors.js';
import { STAGE_CURRENT, STAGE_PENDING, STAGE_PREVIOUS, stageHolder, stagesOf, type SecretRecord } from '../../../shared/domain/secret.js';
import { stagesAfterPut, stagesAfterUpdate } from '../../../shared/domain/stages.js';
import { BoundaryTally } from '../support/boundary-tally.js';
import { PROTOTYPE_NAMES } from '../support/prototype-names.js';

const RUNS = 500;
/** Taken before any label is tried; compared after all of them. */
const PROTOTYPE_AT_START = Object.getOwnPropertyNames(Object.prototype).sort();
const tally = new BoundaryTally('request-parsing', import.meta.url);
afterAll(() => tally.write());

const secretWith = (stages: Record<string, string>) => ({ stages }) as SecretRecord;
const exists = () => true;
const ownKeys = (r: object) => Object.keys(r).sort();

/** Labels the grammar allows, weighted towards the names Object.prototype answers to. */
const validLabel = fc
  .oneof(fc.constantFrom(...PROTOTYPE_NAMES), fc.stringMatching(/^[A-Za-z0-9_.-]{1,64}$/))
  .filter((l) => l !== STAGE_CURRENT && l !== STAGE_PREVIOUS && l !== STAGE_PENDING);
/** Anything at all a caller could send. */
const anyLabel = fc
  .oneof(validLabel, fc.string({ unit: 'binary', maxLength: 80 }), fc.constantFrom(...PROTOTYPE_NAMES.map((n) => ` ${n}`), STAGE_PREVIOUS, STAGE_PENDING))
  .filter((l) => l !== STAGE_CURRENT);
/** Stages a secret may already carry, with reserved names among them. */
const existingStages = fc
  .uniqueArray(validLabel, { maxLength: 5 })
  .map((labels) => JSON.parse(JSON.stringify(Object.fromEntries([[STAGE_CURRENT, 'v1'], ...labels.map((l) => [l, 'v0'])]))) as Record<string, string>);

/** Checks one property, counting it tried, and a failure crossed. */
const holds = (what: string, ok: boolean): boolean => {
  if (!ok) tally.crossed(what);
  return ok;
};

const check = <T extends unknown[]>(name: string, property: fc.IProperty<T>) => {
  it(name, () => {
    const crossedBefore = tally.crossedCount;
    tally.tried(RUNS);
    fc.assert(property, { numRuns: RUNS, seed: 20_261_206 });
    expect(tally.crossedCount - crossedBefore).toBe(0);
  });
};

describe('stage labels, whatever their name', () => {
  check(
    'PutSecretValue either refuses a label with InvalidParameter or stores it as an own entry that reads back',
    fc.property(existingStages, anyLabel, (stages, label) => {
      let next: Record<string, string>;
      try {
        next = stagesAfterPut(secretWith(stages), 'v2', [label]);
      } catch (e) {
        return holds(`label ${JSON.stringify(label)} refused with ${String(e)}`, e instanceof KmsError && e.code === 'InvalidParameter' && e.httpStatus === 400);
      }
      const stored = JSON.parse(JSON.stringify(next)) as Record<string, string>;
      return holds(
        `label ${JSON.stringify(label)} not stored as its own entry`,
        Object.hasOwn(next, label) &&
          stageHolder(next, label) === 'v2' &&
          stageHolder(stored, label) === 'v2' &&
          stagesOf(secretWith(stored), 'v2').includes(label) &&
          stageHolder(stored, STAGE_CURRENT) === 'v1' &&
          ownKeys(stored).length === ownKeys({ ...stages, [label]: 'v2' }).length,
      );
    }),
  );

  check(
    'a label nobody attached resolves to no version, even one Object.prototype answers to',
    fc.property(existingStages, validLabel, (stages, label) => {
      const attached = Object.hasOwn(stages, label);
      return holds(`label ${label} resolved to ${String(stageHolder(stages, label))}`, attached ? stageHolder(stages, label) === 'v0' : stageHolder(stages, label) === undefined);
    }),
  );

  check(
    'UpdateSecretVersionStage moves a label and removes it, leaving the other stages as they were',
    fc.property(existingStages, validLabel, (stages, label) => {
      const before = stagesAfterPut(secretWith(stages), 'v2', [label]);
      const moved = stagesAfterUpdate(secretWith(before), { versionStage: label, removeFromVersion: 'v2', moveToVersion: 'v3' }, exists);
      const removed = stagesAfterUpdate(secretWith(JSON.parse(JSON.stringify(moved)) as Record<string, string>), { versionStage: label, removeFromVersion: 'v3' }, exists);
      const others = (r: Record<string, string>) => JSON.stringify(Object.entries(r).filter(([k]) => k !== label).sort());
      return holds(
        `label ${label} did not move and go cleanly`,
        stageHolder(moved, label) === 'v3' && !Object.hasOwn(removed, label) && stageHolder(removed, label) === undefined && others(removed) === others(before),
      );
    }),
  );

  check(
    'removing or reading a label that is not attached is refused, never answered from Object.prototype',
    fc.property(existingStages, fc.constantFrom(...PROTOTYPE_NAMES), (stages, label) => {
      fc.pre(!Object.hasOwn(stages, label));
      try {
        stagesAfterUpdate(secretWith(stages), { versionStage: label, removeFromVersion: 'v1' }, exists);
        return holds(`removing unattached ${label} succeeded`, false);
      } catch (e) {
        return holds(`removing unattached ${label}: ${String(e)}`, e instanceof KmsError && e.httpStatus === 400);
      }
    }),
  );

  it('none of it left anything on Object.prototype', () => {
    expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(PROTOTYPE_AT_START);
    expect(Object.keys(Object.prototype)).toEqual([]);
  });
});
