/**
 * The audit trail of API calls: who called what, on which secret, from where, and how it ended.
 * A record never holds a secret value, a signature or a request's parameters beyond the secret name.
 */
export interface AuditRecord {
  /** Unique per call (the RequestId returned to the caller). */
  requestId: string;
  /** Milliseconds since the epoch. */
  time: number;
  /** The verified caller, or on a failed call the key the request claimed ('' when none). */
  accessKeyId: string;
  /** As requested, possibly not an action we know. */
  action: string;
  secretName: string | null;
  outcome: 'Success' | 'Failure';
  errorCode: string | null;
  sourceIp: string;
}

export interface AuditQuery {
  /** Exact matches; absent means any. */
  accessKeyId?: string;
  secretName?: string;
  action?: string;
  /** Inclusive, ms. */
  from?: number;
  /** Exclusive, ms. */
  to?: number;
  offset: number;
  limit: number;
}

export interface AuditPage {
  /** Newest first; records of the same millisecond in no particular order. */
  records: AuditRecord[];
  /** How many records match the query in all. */
  total: number;
}

export interface AuditLog {
  /** Idempotent: appending the same record (same requestId and time) twice keeps one. */
  append(record: AuditRecord): Promise<void>;
  query(query: AuditQuery): Promise<AuditPage>;
  close(): Promise<void>;
}
