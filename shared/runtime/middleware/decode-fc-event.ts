/** FC hands the event over as a Buffer of JSON; everything downstream works on the parsed value. */
import { InvalidEventError } from '../trigger.js';
import type { Middleware } from './types.js';

export const decodeEventPayload = (raw: unknown): unknown => {
  let text: string;
  if (Buffer.isBuffer(raw) || raw instanceof Uint8Array) text = Buffer.from(raw).toString('utf8');
  else if (typeof raw === 'string') text = raw;
  else return raw; // already decoded: a direct call from a test or another handler
  if (text.trim() === '') throw new InvalidEventError('The event is empty; expected JSON.');
  try {
    return JSON.parse(text) as unknown;
  } catch {
    // The parser's own message quotes the input, which may hold a secret.
    throw new InvalidEventError(`The event is not valid JSON (${Buffer.byteLength(text)} bytes).`);
  }
};

export const decodeFcEvent = (): Middleware => ({
  before: (request) => {
    request.event = decodeEventPayload(request.event);
  },
});
