/**
 * Renders KMS response bodies as JSON (default) or XML (`Format=XML`, any case; the Java caching
 * client asks for XML). Arrays are wrapped the KMS way by the actions themselves, e.g.
 * `VersionStages: { VersionStage: ['ACSCurrent'] }`, which XML renders as
 * `<VersionStages><VersionStage>ACSCurrent</VersionStage></VersionStages>`.
 *
 * XML roots: `<{Action}Response>` for success and `<Error>` for errors, as the current Alibaba API
 * docs and SDK samples show. The old KMS docs (DocsMirror "Calling method/Responses.md") show `<KMS>`
 * as the root of both; clients we know of read the child elements and ignore the root name.
 */
import { XMLBuilder } from 'fast-xml-parser';
import { KmsError } from '../domain/errors.js';
import type { HttpResponse } from './types.js';
import type { RequestParams } from './params.js';

export type ResponseFormat = 'JSON' | 'XML';

/** Anything other than "xml" (any case) gets JSON, the documented default. */
export const responseFormat = (params: RequestParams): ResponseFormat =>
  (params.Format ?? '').toLowerCase() === 'xml' ? 'XML' : 'JSON';

export type ResponseValue = string | number | boolean | ResponseFields | ResponseValue[] | undefined;
export interface ResponseFields {
  [name: string]: ResponseValue;
}

export const REQUEST_ID_HEADER = 'x-acs-request-id';

export const successResponse = (
  action: string,
  requestId: string,
  fields: ResponseFields,
  format: ResponseFormat,
): HttpResponse => {
  const body = { RequestId: requestId, ...fields };
  return render(200, requestId, format, format === 'XML' ? toXml(`${action}Response`, body) : JSON.stringify(body));
};

export const errorResponse = (error: KmsError, requestId: string, format: ResponseFormat): HttpResponse => {
  const body = { RequestId: requestId, HttpStatus: error.httpStatus, Code: error.code, Message: error.message };
  return render(error.httpStatus, requestId, format, format === 'XML' ? toXml('Error', body) : JSON.stringify(body));
};

const render = (statusCode: number, requestId: string, format: ResponseFormat, body: string): HttpResponse => ({
  statusCode,
  headers: {
    'content-type': format === 'XML' ? 'text/xml;charset=utf-8' : 'application/json;charset=utf-8',
    [REQUEST_ID_HEADER]: requestId,
  },
  body,
});

/*
 * XML 1.0 cannot carry most control characters, not even as character references, so a value
 * holding one (a binary-ish secret, say) is refused rather than silently altered.
 */
const NOT_IN_XML_1_0 = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/;

const xmlUnrepresentable = (): KmsError =>
  new KmsError(
    'InvalidParameter',
    400,
    'The parameter "Format" is invalid: the response holds characters that XML 1.0 cannot carry; request Format=JSON.',
  );

const builder = new XMLBuilder({
  ignoreAttributes: true,
  processEntities: true,
  suppressEmptyNode: false,
  tagValueProcessor: (_name: string, value: unknown) => {
    if (typeof value === 'string' && NOT_IN_XML_1_0.test(value)) throw xmlUnrepresentable();
    return value;
  },
});

const toXml = (root: string, body: ResponseFields): string =>
  `<?xml version="1.0" encoding="UTF-8"?>${builder.build({ [root]: body }) as string}`;
