/**
 * Everything the console does, as one signed-in AccessKey: each operation is checked with the KMS
 * API's own authorization (http/authorize.ts, the same action names and resources), runs the same
 * use case (app/secret-service.ts), and is audited like an API call.
 */
import { randomUUID } from 'node:crypto';
import type { CreateSecretInput, ListSecretsOutput, ListSecretVersionIdsOutput, RotateSecretOutput } from '../app/commands.js';
import type { SecretService } from '../app/service.js';
import { isKmsError } from '../domain/errors.js';
import { secretResource } from '../domain/policy/index.js';
import type { SecretRecord } from '../domain/secret.js';
import { resolveSecretReference, type SecretId } from '../domain/secret-id.js';
import { authorize, type CallerAccess } from '../http/authorize.js';
import type { KmsCallRecord } from '../http/kms-api.js';
import type { EventHistory } from '../ports/event-history.js';
import type { RotorEvent } from '../ports/event-publisher.js';
import type { Clock } from '../ports/clock.js';

export interface GatewayDeps {
  service: SecretService;
  clock: Clock;
  settings: { region: string; accountId: string };
  /** Null where events are not readable back (the cloud backend). */
  history: EventHistory | null;
  audit?: (record: KmsCallRecord) => Promise<void>;
}

export interface ListQuery {
  pageNumber: number;
  pageSize: number;
  /** Part of the name. */
  search: string;
  type: string;
  status: string;
}

export type SecretStatus = 'normal' | 'rotating' | 'failed' | 'pending-deletion';

export const statusOf = (secret: SecretRecord): SecretStatus => {
  if (secret.plannedDeleteAt !== null) return 'pending-deletion';
  if (secret.job !== null) return 'rotating';
  if (secret.lastRotation?.status === 'Failed') return 'failed';
  return 'normal';
};

export class ConsoleGateway {
  constructor(
    private readonly deps: GatewayDeps,
    readonly accessKeyId: string,
    private readonly access: CallerAccess,
    private readonly sourceIp: string,
  ) {}

  /** The secret a page's URL names: the one place the console turns a name (or ARN) into an identity. */
  resolve(reference: string): SecretId {
    return resolveSecretReference(reference, this.deps.settings);
  }

  /** Whether an action on a secret (or on the container, without a name) would be allowed; for showing buttons. */
  may(action: string, secret?: SecretId): boolean {
    try {
      authorize(this.access, action, secret, this.deps.settings);
      return true;
    } catch {
      return false;
    }
  }

  /** For secrets and events the service itself listed: what describing them would show. */
  private mayDescribeStored(name: string): boolean {
    return this.access.unrestricted || this.access.may('kms:DescribeSecret', secretResource(this.deps.settings, name));
  }

  list(query: ListQuery): Promise<ListSecretsOutput> {
    return this.call('ListSecrets', undefined, () => {
      const search = query.search.trim();
      const visible = (s: SecretRecord) =>
        this.mayDescribeStored(s.name) &&
        (search === '' || s.name.toLowerCase().includes(search.toLowerCase())) &&
        (query.type === '' || s.type === query.type) &&
        (query.status === '' || statusOf(s) === query.status);
      return this.deps.service.listSecrets({ pageNumber: query.pageNumber, pageSize: query.pageSize, visible });
    });
  }

  describe(secretName: SecretId): Promise<SecretRecord> {
    return this.call('DescribeSecret', secretName, () => this.deps.service.describeSecret(secretName));
  }

  versions(secretName: SecretId): Promise<ListSecretVersionIdsOutput> {
    return this.call('ListSecretVersionIds', secretName, () =>
      this.deps.service.listSecretVersionIds({ secretName, includeDeprecated: true, pageSize: 50 }),
    );
  }

  /** The signed-in key, for the confused-deputy checks of what it creates or rotates. */
  private get deputy() {
    return { access: this.access, accessKeyId: this.accessKeyId };
  }

  async reveal(secretName: SecretId): Promise<string> {
    const view = await this.call('GetSecretValue', secretName, () => this.deps.service.getSecretValue({ secretName }));
    return view.secretData;
  }

  create(input: CreateSecretInput): Promise<{ secret: SecretRecord; versionId: string }> {
    return this.call('CreateSecret', undefined, () => this.deps.service.createSecret({ ...input, deputy: this.deputy }), input.secretName);
  }

  rotate(secretName: SecretId, customValue: string | undefined): Promise<RotateSecretOutput> {
    const input = { secretName, versionId: randomUUID(), deputy: this.deputy, ...(customValue !== undefined ? { secretData: customValue } : {}) };
    return this.call('RotateSecret', secretName, () => this.deps.service.rotateSecret(input));
  }

  scheduleDeletion(secretName: SecretId, options: { force: boolean; recoveryWindowInDays?: number }) {
    return this.call('DeleteSecret', secretName, () =>
      this.deps.service.deleteSecret({
        secretName,
        forceDeleteWithoutRecovery: options.force,
        ...(options.recoveryWindowInDays !== undefined ? { recoveryWindowInDays: options.recoveryWindowInDays } : {}),
      }),
    );
  }

  restore(secretName: SecretId): Promise<SecretRecord> {
    return this.call('RestoreSecret', secretName, () => this.deps.service.restoreSecret(secretName));
  }

  /** Monitoring events about one secret: shown to whoever may describe it (they hold no values). */
  async secretEvents(secretName: SecretId, sinceMs: number): Promise<RotorEvent[] | null> {
    if (!this.deps.history) return null;
    authorize(this.access, 'DescribeSecret', secretName, this.deps.settings);
    return this.deps.history.recent({ sinceMs, subject: secretName });
  }

  /** Rotation events of every secret the caller may describe. */
  async rotationEvents(sinceMs: number): Promise<RotorEvent[] | null> {
    if (!this.deps.history) return null;
    authorize(this.access, 'ListSecrets', undefined, this.deps.settings);
    const events = await this.deps.history.recent({ sinceMs });
    return events.filter((e) => e.type.startsWith('com.secretrotor.rotation.') && this.mayDescribeStored(e.subject));
  }

  now(): number {
    return this.deps.clock.now();
  }

  private async call<T>(action: string, secretName: SecretId | undefined, run: () => Promise<T>, recordedName: string | undefined = secretName): Promise<T> {
    const requestId = randomUUID();
    const time = this.deps.clock.now();
    const record = async (outcome: 'ok' | 'error', code?: string) => {
      try {
        await this.deps.audit?.({
          requestId,
          time,
          action,
          accessKeyId: this.accessKeyId,
          ...(recordedName !== undefined ? { secretName: recordedName.slice(0, 256) } : {}),
          outcome,
          ...(code !== undefined ? { code } : {}),
          sourceIp: this.sourceIp,
        });
      } catch {
        // The call has happened; the audit sink reports its own faults.
      }
    };
    try {
      authorize(this.access, action, secretName, this.deps.settings);
      const result = await run();
      await record('ok');
      return result;
    } catch (error) {
      await record('error', isKmsError(error) ? error.code : 'InternalFailure');
      throw error;
    }
  }
}
