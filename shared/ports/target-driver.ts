import type { SecretResources } from '../domain/deputy/index.js';
import type { ResourceScope } from '../domain/policy/index.js';
import type { SecretRecord } from '../domain/secret.js';

/**
 * A rotation target (a database, a cloud API, a host, or nothing at all). Shaped like Vault's
 * database plugin: one request and one response type per operation, so fields can be added
 * without breaking drivers. Every operation is idempotent: applying an already-applied value
 * or cleaning up what is already gone is success.
 */
export interface DriverSecret {
  name: string;
  type: SecretRecord['type'];
  extendedConfig: Record<string, unknown>;
}

export interface GenerateRequest {
  secret: DriverSecret;
  currentValue: string | null;
  /** ACSPrevious, when there is one: dual-account targets reuse its account for the new value. */
  previousValue?: string | null;
}
export interface GenerateResponse {
  value: string;
}

export interface ApplyRequest {
  secret: DriverSecret;
  pendingValue: string;
  currentValue: string | null;
  previousValue: string | null;
}
export type ApplyResponse = Record<string, never>;

export interface VerifyRequest {
  secret: DriverSecret;
  pendingValue: string;
}
export type VerifyResponse = Record<string, never>;

export interface FinalizeRequest {
  secret: DriverSecret;
  newCurrentValue: string;
  newPreviousValue: string | null;
}
export interface FinalizeResponse {
  /**
   * Set when the value that just became ACSPrevious must stay valid for a while and then be
   * retired (RAM: the previous AccessKey). The engine calls `cleanup` after this many seconds.
   */
  cleanupAfterSeconds?: number;
}

/** A delayed retirement of the value that became ACSPrevious at a promote (see FinalizeResponse). */
export interface CleanupRequest {
  secret: DriverSecret;
  retiredValue: string;
  /** ACSCurrent now: never retired, whatever the request says. */
  currentValue: string | null;
}
export type CleanupResponse = Record<string, never>;

export interface PreflightRequest {
  secret: DriverSecret;
  /** ACSCurrent, when known: lets the driver check that the credential in use still works. */
  currentValue?: string | null;
}
export interface PreflightCheck {
  name: string;
  ok: boolean;
  /** Safe to show and log: never a secret value. */
  detail: string;
}
export interface PreflightResponse {
  checks: PreflightCheck[];
}

/**
 * CreateSecret hands over SecretData in the type's input format (KMS: RDS `{"Accounts":[...]}`,
 * RAM `{"AccessKeys":[...]}`); a driver turns it into the values of the first versions, in the
 * output format reads return. It may create what the secret manages (RDS one-click creation), so
 * it runs only after every other check has passed, just before the secret is stored.
 */
export interface InitialVersionsRequest {
  secret: DriverSecret;
  secretData: string;
}
export interface InitialVersionsResponse {
  /** Becomes ACSCurrent. */
  current: string;
  /** Becomes ACSPrevious (dual-account RDS: the second account). */
  previous?: string;
}

/** What a secret's configuration, with these values, makes a driver act on. */
export interface ResourcesRequest {
  secret: DriverSecret;
  /** Values that name accounts or users (ACSCurrent, a pending or custom value, SecretData at creation). */
  values: readonly (string | null | undefined)[];
  /** The service's region and account, for the resource names. */
  scope: ResourceScope;
}

/** A value a caller writes: CreateSecret's SecretData, PutSecretValue, or RotateSecret's custom value. */
export interface WrittenValueRequest {
  secret: DriverSecret;
  value: string;
  /** ACSCurrent before the write, when there is one. */
  currentValue: string | null;
}

export interface TargetDriver {
  readonly kind: string;
  /** True when this driver rotates secrets of this type and configuration. */
  supports(secret: DriverSecret): boolean;
  /** Throws a KmsError naming the bad ExtendedConfig field; called when a secret is created. */
  validateConfig(secret: DriverSecret): void;
  /**
   * Checks reachability and management permissions without changing anything. Reports failures
   * as checks with ok=false rather than throwing.
   */
  preflight(req: PreflightRequest): Promise<PreflightResponse>;
  /**
   * Optional: the ExtendedConfig to store at creation, with the target the initial value names
   * (a database account, say) recorded in it, so that no later value can move the secret to
   * another target. Throws InvalidParameter when SecretData names none or contradicts the config.
   */
  fixTarget?(req: InitialVersionsRequest): Record<string, unknown>;
  /**
   * Optional: refuses, with InvalidParameter naming SecretData and quoting no value, a value a
   * caller writes that acts on another target than the one fixed at creation, or that claims a
   * key without the private key that proves it is the caller's. Changes nothing on the target.
   */
  checkWrittenValue?(req: WrittenValueRequest): Promise<void>;
  /** Optional: without it, SecretData is stored as given as the only version. */
  initialVersions?(req: InitialVersionsRequest): Promise<InitialVersionsResponse>;
  generate(req: GenerateRequest): Promise<GenerateResponse>;
  apply(req: ApplyRequest): Promise<ApplyResponse>;
  verify(req: VerifyRequest): Promise<VerifyResponse>;
  finalize(req: FinalizeRequest): Promise<FinalizeResponse>;
  /** Optional: needed only by drivers whose finalize asks for a delayed cleanup. Twice is success. */
  cleanup?(req: CleanupRequest): Promise<CleanupResponse>;
  /**
   * Optional drift check: does ACSCurrent still authenticate against the target? Read-only.
   * Resolves when it does; throws a TargetError (e.g. Target.AuthenticationFailed) when it does
   * not or cannot be checked. Without it, drift checks report the secret as not checkable.
   */
  checkCurrent?(req: CheckCurrentRequest): Promise<CheckCurrentResponse>;
  /**
   * Optional: true when apply replaces the credential ACSCurrent holds in place (one account, one
   * password), so an apply whose answer was lost may already have turned ACSCurrent away. Before
   * giving such a rotation up, the engine asks the target which of the two values it accepts.
   * Absent or false: apply leaves ACSCurrent working (dual accounts, added keys, no target).
   */
  replacesCurrentInPlace?(secret: DriverSecret): boolean;
  /**
   * Optional, pure: the managing secrets and targets this secret makes the driver act on, checked
   * against the caller's policies (domain/deputy). Absent: the driver acts on nothing but the
   * secret itself. Throws a KmsError naming the bad field, as validateConfig does.
   */
  resourcesOf?(req: ResourcesRequest): SecretResources;
}

export interface CheckCurrentRequest {
  secret: DriverSecret;
  currentValue: string;
}
export interface CheckCurrentResponse {
  /**
   * Set when this credential cannot be checked read-only (say, a password hash in a format the
   * driver cannot compute): the check neither passes nor fails. Safe to show: never a value.
   */
  uncheckable?: string;
}

/** Finds the driver for a secret; null when the secret cannot be rotated. */
export interface DriverRegistry {
  driverFor(secret: DriverSecret): TargetDriver | null;
}
