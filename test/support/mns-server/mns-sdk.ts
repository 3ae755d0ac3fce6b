import { createRequire } from 'node:module';

/**
 * The slice of `@alicloud/mns` 1.2.0 the tests drive. The package ships no types; loading it through
 * `require` with this interface keeps the test typed without an ambient module declaration that
 * could collide with an adapter's own.
 */
export interface MnsResult<Body> {
  code: number;
  headers: Record<string, string | undefined>;
  body: Body;
}

export type MnsFields = Record<string, string>;

export interface MnsSdkClient {
  createQueue(name: string, params?: Record<string, unknown>): Promise<MnsResult<undefined>>;
  deleteQueue(name: string): Promise<MnsResult<undefined>>;
  listQueue(start?: string, limit?: number, prefix?: string): Promise<MnsResult<MnsFields[] | undefined>>;
  getQueueAttributes(name: string): Promise<MnsResult<MnsFields>>;
  setQueueAttributes(name: string, params: Record<string, unknown>): Promise<MnsResult<undefined>>;
  sendMessage(queue: string, params: Record<string, unknown>): Promise<MnsResult<MnsFields>>;
  batchSendMessage(queue: string, params: Record<string, unknown>[]): Promise<MnsResult<MnsFields[]>>;
  receiveMessage(queue: string, waitSeconds?: number): Promise<MnsResult<MnsFields>>;
  batchReceiveMessage(queue: string, count: number, waitSeconds?: number): Promise<MnsResult<MnsFields[]>>;
  peekMessage(queue: string): Promise<MnsResult<MnsFields>>;
  batchPeekMessage(queue: string, count: number): Promise<MnsResult<MnsFields[]>>;
  deleteMessage(queue: string, receiptHandle: string): Promise<MnsResult<undefined>>;
  batchDeleteMessage(queue: string, receiptHandles: string[]): Promise<MnsResult<MnsFields[] | undefined>>;
  changeMessageVisibility(queue: string, receiptHandle: string, seconds: number): Promise<MnsResult<MnsFields>>;
  createTopic(name: string, params?: Record<string, unknown>): Promise<MnsResult<undefined>>;
  listTopic(start?: string, limit?: number, prefix?: string): Promise<MnsResult<MnsFields[] | undefined>>;
  getTopicAttributes(name: string): Promise<MnsResult<MnsFields>>;
  publishMessage(topic: string, params: Record<string, unknown>): Promise<MnsResult<MnsFields>>;
}

export interface MnsSdkOptions {
  endpoint: string;
  accessKeyId: string;
  accessKeySecret: string;
}

type MnsSdkConstructor = new (accountId: string, options: MnsSdkOptions) => MnsSdkClient;

const require = createRequire(import.meta.url);
const MnsClient = require('@alicloud/mns') as MnsSdkConstructor;

export function createMnsSdkClient(accountId: string, options: MnsSdkOptions): MnsSdkClient {
  return new MnsClient(accountId, options);
}
