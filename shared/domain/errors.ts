/**
 * One error hierarchy with stable, KMS-compatible codes. Messages never carry secret values:
 * they are built from parameter names and fixed text only, so they are safe to log and to publish.
 */
export class KmsError extends Error {
  constructor(
    readonly code: string,
    readonly httpStatus: number,
    message: string,
  ) {
    super(message);
    this.name = 'KmsError';
  }
}

export const missingParameter = (name: string): KmsError =>
  new KmsError('MissingParameter', 400, `The parameter "${name}" is needed but not provided.`);

export const invalidParameter = (name: string, reason: string): KmsError =>
  new KmsError('InvalidParameter', 400, `The parameter "${name}" is invalid: ${reason}`);

export const secretNotFound = (name: string): KmsError =>
  new KmsError('Forbidden.ResourceNotFound', 404, `The secret "${name}" does not exist.`);

export const versionNotFound = (secretName: string, what: string): KmsError =>
  new KmsError('Forbidden.ResourceNotFound', 404, `The secret "${secretName}" has no version with ${what}.`);

export const secretExists = (name: string): KmsError =>
  new KmsError('Rejected.ResourceExist', 409, `The secret "${name}" already exists.`);

export const secretInDeleteWindow = (name: string): KmsError =>
  new KmsError('Rejected.ResourceInDeleteWindow', 409, `The secret "${name}" is planned to be deleted.`);

export const rotationInProgress = (name: string): KmsError =>
  new KmsError(
    'Rejected.RotationInProgress',
    409,
    `The secret "${name}" is being rotated, please try again later.`,
  );

export const rotationRateExceeded = (name: string, perHour: number): KmsError =>
  new KmsError(
    'Rejected.LimitExceeded',
    400,
    `The secret "${name}" has been rotated ${perHour} times in the last hour, the maximum.`,
  );

export const operationNotSupported = (what: string): KmsError =>
  new KmsError('Rejected.Unavailable', 400, what);

export const versionIdConflict = (secretName: string, versionId: string): KmsError =>
  new KmsError(
    'Rejected.ResourceExist',
    409,
    `The version "${versionId}" of secret "${secretName}" already exists with different data.`,
  );

export const internalFailure = (): KmsError =>
  new KmsError('InternalFailure', 500, 'The request processing has failed due to some unknown error.');

/** A backing service did not answer in time; the same request may succeed if sent again. */
export const serviceUnavailable = (): KmsError =>
  new KmsError('ServiceUnavailable', 503, 'The request has failed due to a temporary failure of the server; try again later.');

/**
 * A conditional write lost a race. Adapters translate their own condition failures into this;
 * use cases retry a few times and then surface it as a 409.
 */
export class ConflictError extends KmsError {
  constructor(what: string) {
    super('Rejected.ConcurrentUpdate', 409, `Concurrent modification of ${what}; retry the request.`);
    this.name = 'ConflictError';
  }
}

/** A target (database, cloud API, host) refused or failed an operation during rotation. */
export class TargetError extends KmsError {
  constructor(
    code: string,
    message: string,
    readonly retryable: boolean = true,
  ) {
    super(code, 502, message);
    this.name = 'TargetError';
  }
}

export const isKmsError = (e: unknown): e is KmsError => e instanceof KmsError;
