/**
 * The TargetDriver contract: what every rotation driver must do against its real target, tested
 * only through the port plus real logins. Run it from a driver's test file with a fixture factory.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TargetError } from '../../shared/domain/errors.js';
import type { DriverSecret, TargetDriver } from '../../shared/ports/target-driver.js';

export interface DriverFixture {
  driver: TargetDriver;
  secret: DriverSecret;
  /** ACSCurrent when the test starts; the target accepts it. */
  initialValue: string;
  /**
   * single: one credential reset in place. dual: two accounts that take turns. overlap: one
   * account; apply adds the new credential beside the one in use and finalize retires the old one
   * (SSH keys), so both log in until finalize and only the new one after it.
   */
  strategy: 'single' | 'dual' | 'overlap';
  /** A real login with this value. False only when the target refuses the credential. */
  logsIn(value: string): Promise<boolean>;
  /** The same account with a secret the target does not accept. */
  withWrongSecret(value: string): string;
  /** A custom pending value for the next rotation whose secret is full of quoting traps. */
  hostileCustomValue(current: string): string;
  /** Who a value logs in as (null when the target has no account names). */
  accountOf(value: string): string | null;
  /** Dual: true when this credential can use a privilege granted only to the shared group. */
  usesGroupPrivileges?(value: string): Promise<boolean>;
  /** Removes everything the fixture and the driver created on the target. */
  cleanup(): Promise<void>;
}

export interface DriverFixtureOptions {
  /** Account and group names full of quotes, backslashes and statement separators. */
  hostileNames: boolean;
}

export type DriverFixtureFactory = (options: DriverFixtureOptions) => Promise<DriverFixture>;

/** The secret fields of a value ({AccountName, AccountPassword}, {UserName, Password} or a key pair). */
const secretPartsOf = (value: string): string[] => {
  try {
    const parsed = JSON.parse(value) as Record<string, unknown>;
    return ['AccountPassword', 'Password', 'PrivateKey'].map((field) => parsed[field]).filter((v): v is string => typeof v === 'string');
  } catch {
    return [];
  }
};

interface Stages {
  current: string;
  previous: string | null;
}

/** generate → apply → verify → finalize, as the engine runs them, with the promote that follows. */
const rotate = async (f: DriverFixture, stages: Stages, custom?: string): Promise<Stages> => {
  const { driver, secret } = f;
  const pending = custom ?? (await driver.generate({ secret, currentValue: stages.current, previousValue: stages.previous })).value;
  await driver.apply({ secret, pendingValue: pending, currentValue: stages.current, previousValue: stages.previous });
  await driver.verify({ secret, pendingValue: pending });
  await driver.finalize({ secret, newCurrentValue: pending, newPreviousValue: stages.current });
  return { current: pending, previous: stages.current };
};

const generate = async (f: DriverFixture, stages: Stages): Promise<string> =>
  (await f.driver.generate({ secret: f.secret, currentValue: stages.current, previousValue: stages.previous })).value;

const apply = (f: DriverFixture, stages: Stages, pending: string) =>
  f.driver.apply({ secret: f.secret, pendingValue: pending, currentValue: stages.current, previousValue: stages.previous });

export function targetDriverContract(label: string, factory: DriverFixtureFactory): void {
  describe(`TargetDriver contract: ${label}`, () => {
    let f: DriverFixture;
    let start: Stages;
    beforeEach(async () => {
      f = await factory({ hostileNames: false });
      start = { current: f.initialValue, previous: null };
    });
    afterEach(async () => f.cleanup());

    it('preflight passes every check and changes nothing', async () => {
      const { checks } = await f.driver.preflight({ secret: f.secret, currentValue: f.initialValue });
      expect(checks.length).toBeGreaterThan(0);
      expect(checks.filter((c) => !c.ok)).toEqual([]);
      expect(await f.logsIn(f.initialValue)).toBe(true);
      expect(JSON.stringify(checks)).not.toContain(f.initialValue);
    });

    it('generate gives a new value for the right account, and the target accepts it', async () => {
      const pending = await generate(f, start);
      expect(pending).not.toBe(f.initialValue);
      if (f.strategy === 'dual') expect(f.accountOf(pending)).not.toBe(f.accountOf(f.initialValue));
      else expect(f.accountOf(pending)).toBe(f.accountOf(f.initialValue));
      await apply(f, start, pending);
      expect(await f.logsIn(pending)).toBe(true);
    });

    it('apply then verify logs in with the new value', async () => {
      const pending = await generate(f, start);
      await apply(f, start, pending);
      await expect(f.driver.verify({ secret: f.secret, pendingValue: pending })).resolves.toEqual({});
      expect(await f.logsIn(pending)).toBe(true);
    });

    it('apply twice with the same value is success', async () => {
      const pending = await generate(f, start);
      await apply(f, start, pending);
      await expect(apply(f, start, pending)).resolves.toEqual({});
      await f.driver.verify({ secret: f.secret, pendingValue: pending });
      expect(await f.logsIn(pending)).toBe(true);
    });

    it('verify with a wrong value fails with a TargetError that does not quote the value', async () => {
      const pending = await generate(f, start);
      await apply(f, start, pending);
      const wrong = f.withWrongSecret(pending);
      const error = await f.driver.verify({ secret: f.secret, pendingValue: wrong }).then(
        () => null,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(TargetError);
      const text = `${(error as Error).message} ${JSON.stringify(error)}`;
      expect(text).not.toContain(wrong);
      for (const secretPart of secretPartsOf(wrong)) expect(text).not.toContain(secretPart);
    });

    it('checkCurrent (drift check) passes for ACSCurrent, before and after a rotation, and fails for a wrong secret without quoting it', async (ctx) => {
      const check = f.driver.checkCurrent?.bind(f.driver);
      if (!check) return ctx.skip('this driver has no drift check (checkCurrent is optional)');
      // A credential set up outside the driver may be uncheckable (ECS: a non-SHA-512 shadow hash); it must not fail.
      const initially = await check({ secret: f.secret, currentValue: f.initialValue });
      if (initially.uncheckable === undefined) expect(initially).toEqual({});
      const after = await rotate(f, start);
      const afterwards = await check({ secret: f.secret, currentValue: after.current });
      if (afterwards.uncheckable !== undefined) return ctx.skip(`the driver cannot check this credential read-only: ${afterwards.uncheckable}`);
      expect(afterwards).toEqual({});
      const wrong = f.withWrongSecret(after.current);
      const error = await check({ secret: f.secret, currentValue: wrong }).then(
        () => null,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(TargetError);
      const text = `${(error as Error).message} ${JSON.stringify(error)}`;
      expect(text).not.toContain(wrong);
      for (const secretPart of secretPartsOf(wrong)) expect(text).not.toContain(secretPart);
    });

    it('keeps the credential in use working during a dual or overlap rotation; a single rotation replaces it', async () => {
      const pending = await generate(f, start);
      await apply(f, start, pending);
      await f.driver.verify({ secret: f.secret, pendingValue: pending });
      if (f.strategy === 'dual' || f.strategy === 'overlap') {
        expect(await f.logsIn(f.initialValue)).toBe(true);
      } else {
        expect(await f.logsIn(f.initialValue)).toBe(false);
      }
      expect(await f.logsIn(pending)).toBe(true);
      if (f.strategy === 'overlap') {
        // The overlap ends at finalize, which runs once the new value is promoted.
        await f.driver.finalize({ secret: f.secret, newCurrentValue: pending, newPreviousValue: f.initialValue });
        expect(await f.logsIn(f.initialValue)).toBe(false);
        expect(await f.logsIn(pending)).toBe(true);
      }
    });

    it('a second rotation takes turns: ACSCurrent and (dual) ACSPrevious log in, the oldest value does not', async () => {
      const first = await rotate(f, start);
      const second = await rotate(f, first);
      expect(await f.logsIn(second.current)).toBe(true);
      expect(await f.logsIn(f.initialValue)).toBe(false);
      if (f.strategy === 'dual') {
        expect(f.accountOf(second.current)).toBe(f.accountOf(f.initialValue));
        expect(f.accountOf(first.current)).not.toBe(f.accountOf(f.initialValue));
        expect(await f.logsIn(second.previous as string)).toBe(true);
        // Both accounts act through the one group, so a grant made to it reaches both: no drift.
        if (f.usesGroupPrivileges) {
          expect(await f.usesGroupPrivileges(second.current)).toBe(true);
          expect(await f.usesGroupPrivileges(second.previous as string)).toBe(true);
        }
      } else {
        expect(f.accountOf(second.current)).toBe(f.accountOf(f.initialValue));
        expect(await f.logsIn(second.previous as string)).toBe(false);
      }
    });

    it('finalize twice is success', async () => {
      const rotated = await rotate(f, start);
      await expect(
        f.driver.finalize({ secret: f.secret, newCurrentValue: rotated.current, newPreviousValue: rotated.previous }),
      ).resolves.toEqual({});
      expect(await f.logsIn(rotated.current)).toBe(true);
    });

    it('a custom value full of quoting traps reaches the target intact', async () => {
      const custom = f.hostileCustomValue(f.initialValue);
      const rotated = await rotate(f, start, custom);
      expect(await f.logsIn(rotated.current)).toBe(true);
      const again = await rotate(f, rotated);
      expect(await f.logsIn(again.current)).toBe(true);
    });
  });

  describe(`TargetDriver contract: ${label}, hostile account names`, () => {
    let f: DriverFixture;
    beforeEach(async () => {
      f = await factory({ hostileNames: true });
    });
    afterEach(async () => f.cleanup());

    it('rotates twice with names that would break unescaped SQL or commands', async () => {
      const { checks } = await f.driver.preflight({ secret: f.secret, currentValue: f.initialValue });
      expect(checks.filter((c) => !c.ok)).toEqual([]);
      const first = await rotate(f, { current: f.initialValue, previous: null });
      const second = await rotate(f, first);
      expect(await f.logsIn(second.current)).toBe(true);
      expect(await f.logsIn(second.previous as string)).toBe(f.strategy === 'dual');
      expect(await f.logsIn(f.initialValue)).toBe(false);
    });
  });
}
