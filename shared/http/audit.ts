/** A served call as the audit log stores it. */
import type { AuditRecord } from '../ports/audit-log.js';
import type { KmsCallRecord } from './kms-api.js';

/**
 * Caller-supplied text (an unsigned request's action, key id or secret name) is stored with the
 * characters XML 1.0 cannot carry replaced, so one hostile record cannot break the XML audit view.
 */
const XML_UNSAFE = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g;
const storable = (text: string): string => text.replace(XML_UNSAFE, '\uFFFD');

export const auditRecordOf = (call: KmsCallRecord): AuditRecord => ({
  requestId: call.requestId,
  time: call.time,
  accessKeyId: storable(call.accessKeyId),
  action: storable(call.action),
  secretName: call.secretName === undefined ? null : storable(call.secretName),
  outcome: call.outcome === 'ok' ? 'Success' : 'Failure',
  errorCode: call.code ?? null,
  sourceIp: storable(call.sourceIp),
});
