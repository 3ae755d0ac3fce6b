import type { LowerCaseHeaders } from './auth.js';
import type { LongPolls } from './long-poll.js';
import type { MnsState } from './state.js';
import type { XmlRequest } from './xml.js';

export interface PathParams {
  queue?: string;
  topic?: string;
  subscription?: string;
}

/**
 * Query parameters by lower-cased name (the SDK writes `ReceiptHandle` for DeleteMessage and
 * `receiptHandle` for ChangeMessageVisibility). Values are percent-decoded but `+` stays `+`:
 * the SDK puts receipt handles into the URL without encoding them.
 */
export class QueryParams {
  private readonly values = new Map<string, string>();

  constructor(rawQuery: string) {
    for (const pair of rawQuery.split('&')) {
      if (pair === '') continue;
      const separator = pair.indexOf('=');
      const name = separator < 0 ? pair : pair.slice(0, separator);
      const value = separator < 0 ? '' : pair.slice(separator + 1);
      this.values.set(safeDecode(name).toLowerCase(), safeDecode(value));
    }
  }

  get(name: string): string | undefined {
    return this.values.get(name.toLowerCase());
  }

  has(name: string): boolean {
    return this.values.has(name.toLowerCase());
  }
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

export interface OperationContext {
  state: MnsState;
  now(): number;
  /** The server's base URL, used in QueueURL / TopicURL / Location values. */
  endpoint: string;
  path: PathParams;
  query: QueryParams;
  headers: LowerCaseHeaders;
  request: XmlRequest | undefined;
  longPolls: LongPolls;
  /** Upper bound, in real milliseconds, for any long poll (tests shorten it). */
  maxPollWaitMs: number;
  /** Aborts when the client goes away, so a pending long poll does not swallow a message. */
  signal: AbortSignal;
}

export interface MnsResponse {
  status: number;
  /** An XML document; absent for 201/204 answers without a body. */
  body?: string;
  headers?: Record<string, string>;
}

export const noContent = (): MnsResponse => ({ status: 204 });
