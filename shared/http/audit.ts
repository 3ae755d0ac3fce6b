/** A served call as the audit log stores it. */
import type { AuditRecord } from '../ports/audit-log.js';
import type { KmsCallRecord } from './kms-api.js';

export const auditRecordOf = (call: KmsCallRecord): AuditRecord => ({
  requestId: call.requestId,
  time: call.time,
  accessKeyId: call.accessKeyId,
  action: call.action,
  secretName: call.secretName ?? null,
  outcome: call.outcome === 'ok' ? 'Success' : 'Failure',
  errorCode: call.code ?? null,
  sourceIp: call.sourceIp,
});
