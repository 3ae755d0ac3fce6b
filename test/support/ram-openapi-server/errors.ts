/**
 * RAM's own error codes, partly guessed: RAM's API pages defer to an error center we could not
 * consult, so these are the codes as we remember RAM using them, and every HTTP status and message
 * text is our guess (see README.md).
 */
import { KmsError } from '../../../shared/domain/errors.js';

export { KmsError };

export const userNotFound = (): KmsError => new KmsError('EntityNotExist.User', 404, 'The user does not exist.');

export const accessKeyNotOfUser = (): KmsError =>
  new KmsError('EntityNotExist.User.AccessKey', 404, 'The access key does not exist.');

export const accessKeyLimit = (): KmsError =>
  new KmsError('LimitExceeded.User.AccessKey', 409, 'The count of access keys for the user exceeds the limit.');

export const missingParameter = (name: string): KmsError =>
  new KmsError('MissingParameter', 400, `The parameter "${name}" is needed but not provided.`);

export const invalidStatus = (): KmsError =>
  new KmsError('InvalidParameter.Status', 400, 'The parameter "Status" must be Active or Inactive.');

/** What RAM answers a caller whose policies do not allow the action (the key itself authenticated). */
export const noPermission = (action: string): KmsError =>
  new KmsError('NoPermission', 403, `You are not authorized to do this action: ram:${action}.`);
