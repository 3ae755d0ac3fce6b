/**
 * Types for the parts of `@alicloud/mns` 1.2.0 (CommonJS, no published declarations) that the MNS
 * adapters use. Every field of a parsed answer is a string, as the SDK's XML reader leaves it.
 */
declare module '@alicloud/mns' {
  interface MnsResponse<Body> {
    code: number;
    headers: Record<string, string | undefined>;
    body: Body;
  }

  type MnsFields = Record<string, string | undefined>;

  interface MnsClientOptions {
    accessKeyId: string;
    accessKeySecret: string;
    securityToken?: string;
    /** Required unless endpoint is given. */
    region?: string;
    /** http(s)://host[:port]; wins over region. */
    endpoint?: string;
    secure?: boolean;
    internal?: boolean;
    vpc?: boolean;
    readTimeout?: number;
    connectTimeout?: number;
  }

  class Client {
    constructor(accountId: string, options: MnsClientOptions);
    sendMessage(queue: string, params: Record<string, string | number>): Promise<MnsResponse<MnsFields>>;
    /** Rejects with name MNSMessageNotExistError when nothing is visible. */
    batchReceiveMessage(queue: string, count: number, waitSeconds?: number): Promise<MnsResponse<MnsFields[]>>;
    batchPeekMessage(queue: string, count: number): Promise<MnsResponse<MnsFields[]>>;
    deleteMessage(queue: string, receiptHandle: string): Promise<MnsResponse<undefined>>;
    changeMessageVisibility(queue: string, receiptHandle: string, seconds: number): Promise<MnsResponse<MnsFields>>;
    publishMessage(topic: string, params: Record<string, string>): Promise<MnsResponse<MnsFields>>;
  }

  export = Client;
}
