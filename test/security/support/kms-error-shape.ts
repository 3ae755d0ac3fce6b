/**
 * What an error answer must look like: a stable, dotted, PascalCase code (KMS's own style:
 * `InvalidParameter`, `Forbidden.ResourceNotFound`) with a message and a request id, in JSON or in
 * the XML a `Format=XML` caller asked for.
 */
import type { WireResponse } from './wire.js';

export const KMS_CODE = /^[A-Z][A-Za-z0-9]*(\.[A-Z][A-Za-z0-9]*)*$/;

export interface ErrorShape {
  code: string;
  requestId: string;
  message: string;
}

const fromJson = (text: string): ErrorShape | null => {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof parsed !== 'object' || parsed === null) return null;
  const { Code, RequestId, Message } = parsed as Record<string, unknown>;
  if (typeof Code !== 'string' || typeof RequestId !== 'string' || typeof Message !== 'string') return null;
  return { code: Code, requestId: RequestId, message: Message };
};

const XML_FIELD = (name: string) => new RegExp(`<${name}>([^<]*)</${name}>`);

const fromXml = (text: string): ErrorShape | null => {
  if (!text.startsWith('<?xml')) return null;
  const code = XML_FIELD('Code').exec(text)?.[1];
  const requestId = XML_FIELD('RequestId').exec(text)?.[1];
  const message = XML_FIELD('Message').exec(text)?.[1];
  if (code === undefined || requestId === undefined || message === undefined) return null;
  return { code, requestId, message };
};

/** The error's code when the answer is a KMS-style error; null when it is not one. */
export const kmsErrorOf = (res: WireResponse): ErrorShape | null => {
  const text = res.body.toString('utf8');
  const shape = fromJson(text) ?? fromXml(text);
  return shape && KMS_CODE.test(shape.code) && shape.requestId !== '' ? shape : null;
};

/** FC's answer when an invoked function throws: 200 with x-fc-error-type and {errorMessage, errorType}. */
export const isFcInvocationError = (res: WireResponse): boolean => {
  if (res.status !== 200 || res.headers['x-fc-error-type'] === undefined) return false;
  try {
    const body = JSON.parse(res.body.toString('utf8')) as Record<string, unknown>;
    return typeof body.errorMessage === 'string' && typeof body.errorType === 'string';
  } catch {
    return false;
  }
};
