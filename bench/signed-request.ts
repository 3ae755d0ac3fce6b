import { randomUUID } from 'node:crypto';
import { signV1 } from '../shared/http/signature-v1.js';

export interface SignedReadTarget {
  accessKeyId: string;
  accessKeySecret: string;
  secretName: string;
}

const utc = () => new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');

/** A freshly signed GetSecretValue path (unique nonce, current timestamp), as the SDK would send it. */
export const signedGetSecretValuePath = (t: SignedReadTarget): string => {
  const params: Record<string, string> = {
    Action: 'GetSecretValue',
    SecretName: t.secretName,
    Format: 'JSON',
    Version: '2016-01-20',
    AccessKeyId: t.accessKeyId,
    SignatureMethod: 'HMAC-SHA1',
    SignatureVersion: '1.0',
    SignatureNonce: randomUUID(),
    Timestamp: utc(),
  };
  params.Signature = signV1('GET', params, t.accessKeySecret);
  return `/?${new URLSearchParams(params).toString()}`;
};
