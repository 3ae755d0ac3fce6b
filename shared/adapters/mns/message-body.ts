/**
 * MNS message bodies are base64 of JSON: `@alicloud/mns` does not XML-escape what it sends, so raw
 * JSON holding `<` or `&` would be a malformed request. The FC queue trigger hands the body over
 * as it is (IsBase64Decode false) and the rotate handler decodes it.
 */
import { QUEUED_STEPS, type QueuedStep, type RotationMessage } from '../../ports/job-queue.js';

export const encodeJsonBody = (value: unknown): string => Buffer.from(JSON.stringify(value), 'utf8').toString('base64');

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** The JSON value inside a base64 body, or undefined when the body is not base64 of JSON. */
export const decodeJsonBody = (body: string | undefined): unknown => {
  if (body === undefined || body.length % 4 !== 0 || !BASE64.test(body)) return undefined;
  try {
    return JSON.parse(Buffer.from(body, 'base64').toString('utf8')) as unknown;
  } catch {
    return undefined;
  }
};

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const isStep = (value: unknown): value is QueuedStep => QUEUED_STEPS.includes(value as QueuedStep);

/** The rotation step a decoded body names, or undefined when it names none. */
export const asRotationMessage = (value: unknown): RotationMessage | undefined => {
  if (!isRecord(value)) return undefined;
  const { secretName, versionId, step } = value;
  if (typeof secretName !== 'string' || secretName === '') return undefined;
  if (typeof versionId !== 'string' || versionId === '') return undefined;
  if (!isStep(step)) return undefined;
  return { secretName, versionId, step };
};
