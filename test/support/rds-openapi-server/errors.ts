/** An RDS OpenAPI error: the HTTP status and the `Code`/`Message` body the SDK turns into its error. */
export class RdsApiError extends Error {
  constructor(
    readonly code: string,
    readonly httpStatus: number,
    message: string,
  ) {
    super(message);
    this.name = 'RdsApiError';
  }
}

export const missingParameter = (name: string) => new RdsApiError('MissingParameter', 400, `The input parameter "${name}" that is mandatory for processing this request is not supplied.`);
export const instanceNotFound = () => new RdsApiError('InvalidDBInstanceId.NotFound', 404, 'The specified instance is not found.');
export const accountNotFound = () => new RdsApiError('InvalidAccountName.NotFound', 404, 'The specified AccountName is not found.');
export const accountDuplicate = () => new RdsApiError('InvalidAccountName.Duplicate', 400, 'The specified account name already exists.');
export const accountNameFormat = () => new RdsApiError('InvalidAccountName.Format', 400, 'The specified account name is not valid.');
export const passwordFormat = () => new RdsApiError('InvalidAccountPassword.Format', 400, 'The specified account password is not valid.');
export const databaseNotFound = () => new RdsApiError('InvalidDBName.NotFound', 404, 'The specified database is not found.');
export const privilegeFormat = () => new RdsApiError('InvalidAccountPrivilege.Format', 400, 'The specified account privilege is not valid.');
export const accessKeyNotFound = () => new RdsApiError('InvalidAccessKeyId.NotFound', 404, 'Specified access key is not found.');
export const signatureMismatch = () =>
  new RdsApiError('SignatureDoesNotMatch', 400, 'The request signature does not conform to Aliyun standards.');
export const securityTokenInvalid = () => new RdsApiError('InvalidSecurityToken.Mismatch', 400, 'The security token does not match.');
export const actionNotFound = () => new RdsApiError('InvalidAction.NotFound', 400, 'Specified api is not found, please check your url and method.');
export const nonceUsed = () => new RdsApiError('SignatureNonceUsed', 400, 'Specified signature nonce was used already.');
export const unsupportedSignature = () => new RdsApiError('IncompleteSignature', 400, 'The request signature does not conform to Aliyun standards.');
