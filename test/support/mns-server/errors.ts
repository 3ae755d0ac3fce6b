/** An MNS service error, rendered as the `<Error>` XML document MNS returns. */
export class MnsError extends Error {
  constructor(
    readonly code: string,
    readonly httpStatus: number,
    message: string,
  ) {
    super(message);
    this.name = 'MnsError';
  }
}

// Codes, statuses and message texts follow the MNS error-code reference and the per-API pages.
export const queueNotExist = (): MnsError =>
  new MnsError('QueueNotExist', 404, 'The queue name you provided is not exist.');

export const queueAlreadyExist = (): MnsError =>
  new MnsError('QueueAlreadyExist', 409, 'The queue you want to create is already exist.');

export const topicNotExist = (): MnsError =>
  new MnsError('TopicNotExist', 404, 'The topic name you provided is not exist.');

export const topicAlreadyExist = (): MnsError =>
  new MnsError('TopicAlreadyExist', 409, 'The topic you want to create is already exist.');

export const subscriptionNotExist = (): MnsError =>
  new MnsError('SubscriptionNotExist', 404, 'The subscription name you provided is not exist.');

export const subscriptionAlreadyExist = (): MnsError =>
  new MnsError('SubscriptionAlreadyExist', 409, 'The subscription you want to create is already exist.');

export const messageNotExist = (): MnsError => new MnsError('MessageNotExist', 404, 'Message not exist.');

export const receiptHandleError = (): MnsError =>
  new MnsError('ReceiptHandleError', 400, 'The receipt handle you provide is not valid.');

export const invalidArgument = (message: string): MnsError => new MnsError('InvalidArgument', 400, message);

export const outOfRange = (element: string, low: number, high: number): MnsError =>
  invalidArgument(`The value of ${element} should between ${low} and ${high}.`);

export const malformedXml = (): MnsError =>
  new MnsError('MalformedXML', 400, 'The XML you provided was not well-formed.');

export const invalidRequestUrl = (): MnsError =>
  new MnsError('InvalidRequestURL', 400, 'Http request URL format invalid.');

export const missingAuthorizationHeader = (): MnsError =>
  new MnsError('MissingAuthorizationHeader', 400, 'Authorization header is required.');

export const invalidAuthorizationHeader = (): MnsError =>
  new MnsError('InvalidAuthorizationHeader', 400, 'The Authorization header format is invalid.');

export const missingDateHeader = (): MnsError => new MnsError('MissingDateHeader', 400, 'Date header is required.');

export const invalidVersionHeader = (): MnsError =>
  invalidArgument('The x-mns-version header is required and must be 2015-06-06.');

export const invalidAccessKeyId = (): MnsError =>
  new MnsError('InvalidAccessKeyId', 403, 'The AccessKey Id you provided is not exist.');

export const signatureDoesNotMatch = (): MnsError =>
  new MnsError(
    'SignatureDoesNotMatch',
    403,
    'The request signature we calculated does not match the signature you provided.',
  );

/** "InvalidDegist" is MNS's own spelling of the code. */
export const invalidDigest = (): MnsError =>
  new MnsError('InvalidDegist', 400, 'The Content-MD5 you specified is invalid.');
