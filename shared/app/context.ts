/** What every use case shares: loading a live secret, conditional updates with retry, events, crypto. */
import { ConflictError, secretInDeleteWindow, secretNotFound } from '../domain/errors.js';
import { makeEvent, type EventType } from '../domain/events.js';
import type { SecretRecord, VersionRecord } from '../domain/secret.js';
import type { SecretId } from '../domain/secret-id.js';
import { observeSecretValue } from '../domain/secret-value-observer.js';
import type { DriverSecret } from '../ports/target-driver.js';
import type { ServiceDeps } from './deps.js';
import { openSecretValue, sealSecretValue } from './envelope.js';

const CONFLICT_RETRIES = 5;

export class UseCaseContext {
  constructor(readonly deps: ServiceDeps) {}

  now(): number {
    return this.deps.clock.now();
  }

  /**
   * The secret, or 404. A secret whose recovery window has passed is gone even before the purge
   * timer removes its row.
   */
  async load(id: SecretId): Promise<SecretRecord> {
    const secret = await this.deps.store.getSecret(id);
    if (!secret || (secret.plannedDeleteAt !== null && secret.plannedDeleteAt <= this.now())) throw secretNotFound(id);
    return secret;
  }

  /** Like load, but refuses a secret that is pending deletion. */
  async loadActive(id: SecretId): Promise<SecretRecord> {
    const secret = await this.load(id);
    if (secret.plannedDeleteAt !== null) throw secretInDeleteWindow(secret.name);
    return secret;
  }

  /**
   * Read-modify-write with optimistic concurrency: `change` is re-run on a fresh read after a lost
   * race, so it must be a pure function of the record it is given. Returns the stored record, or
   * the unchanged one when `change` returns it as is.
   */
  async update(
    id: SecretId,
    change: (secret: SecretRecord) => SecretRecord,
    load: (id: SecretId) => Promise<SecretRecord> = (n) => this.load(n),
  ): Promise<SecretRecord> {
    for (let attempt = 1; ; attempt++) {
      const current = await load(id);
      const next = change(current);
      if (next === current) return current;
      try {
        return await this.deps.store.updateSecret(next, current.revision);
      } catch (error) {
        if (!(error instanceof ConflictError) || attempt >= CONFLICT_RETRIES) throw error;
      }
    }
  }

  async emit(type: EventType, secret: Pick<SecretRecord, 'name' | 'type'>, data: Record<string, unknown> = {}): Promise<void> {
    await this.deps.events.publish(makeEvent(type, secret, this.now(), data));
  }

  seal(secretName: string, versionId: string, plaintext: string) {
    return sealSecretValue(this.deps.keys, { secretName, versionId }, observeSecretValue(plaintext));
  }

  /** The plaintext of a stored version, or null when the version does not exist. */
  async reveal(secretName: string, versionId: string): Promise<string | null> {
    const version = await this.deps.store.getVersion(secretName, versionId);
    return version ? this.open(secretName, versionId, version) : null;
  }

  /** The plaintext of a version already read from the store, as the version of that secret it was read as. */
  open(secretName: string, versionId: string, version: Pick<VersionRecord, 'envelope'>): Promise<string> {
    return openSecretValue(this.deps.keys, { secretName, versionId }, version.envelope);
  }

  driverSecret(secret: SecretRecord): DriverSecret {
    return {
      name: secret.name,
      type: secret.type,
      extendedConfig: secret.extendedConfig ? (JSON.parse(secret.extendedConfig) as Record<string, unknown>) : {},
    };
  }

  driverFor(secret: SecretRecord) {
    return this.deps.drivers.driverFor(this.driverSecret(secret));
  }
}
