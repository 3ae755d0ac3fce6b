/**
 * Tablestore service errors. The wire form is the protobuf `Error { code, message }` with the HTTP
 * status beside it; batch operations put the same pair on each failed row instead.
 */

export class OtsError extends Error {
  constructor(
    readonly httpStatus: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'OtsError';
  }
}

export const parameterInvalid = (message: string): OtsError => new OtsError(400, 'OTSParameterInvalid', message);

export const invalidPk = (message: string): OtsError => new OtsError(400, 'OTSInvalidPK', message);

export const tableNotExist = (): OtsError => new OtsError(404, 'OTSObjectNotExist', 'Requested table does not exist.');

export const tableAlreadyExists = (): OtsError =>
  new OtsError(409, 'OTSObjectAlreadyExist', 'Requested table already exists.');

export const conditionCheckFail = (): OtsError => new OtsError(403, 'OTSConditionCheckFail', 'Condition check failed.');

export const authFailed = (message: string): OtsError => new OtsError(403, 'OTSAuthFailed', message);

export const internalError = (): OtsError =>
  new OtsError(500, 'OTSInternalServerError', 'Internal server error.');
