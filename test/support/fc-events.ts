/** FC-shaped events and contexts for driving handlers directly in tests. */
import { randomUUID } from 'node:crypto';
import type { FcContext, FcHttpEvent, FcTimerEvent } from '../../shared/runtime/fc-types.js';

export const fcContext = (functionName: string, requestId: string = randomUUID()): FcContext => ({
  requestId,
  credentials: { accessKeyId: '', accessKeySecret: '', securityToken: '' },
  function: { name: functionName, handler: 'index.handler', memory: 512, timeout: 60 },
  service: { logProject: '', logStore: '', qualifier: 'LATEST', versionId: '' },
  region: 'cn-hangzhou',
  accountId: '1234567890123456',
  logger: { debug: () => {}, info: () => {}, warn: () => {}, error: () => {}, log: () => {} },
});

export const httpEvent = (query: Record<string, string>, body = '', method = 'POST'): FcHttpEvent => ({
  version: 'v1',
  rawPath: '/',
  headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'User-Agent': 'test' },
  queryParameters: query,
  body,
  isBase64Encoded: false,
  requestContext: {
    accountId: '1234567890123456',
    domainName: 'fn.cn-hangzhou.fcapp.run',
    domainPrefix: 'fn',
    requestId: randomUUID(),
    time: '2026-01-01T00:00:00Z',
    timeEpoch: '1767225600000',
    http: { method, path: '/', protocol: 'HTTP/1.1', sourceIp: '10.0.0.9', userAgent: 'test' },
  },
});

export const timerEvent = (triggerName: string): FcTimerEvent => ({
  triggerTime: '2026-01-01T00:01:00Z',
  triggerName,
  payload: '',
});

export const asBuffer = (event: unknown): Buffer => Buffer.from(JSON.stringify(event));
