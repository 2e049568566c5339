import type { AuditEventDraft } from '../domain/audit/index.ts';

/**
 * Where audit events go: the batched writer in production (on its own thread or on the request thread), the same
 * writer in tests. The pipeline's audit stage is its only caller.
 */
export interface AuditSink {
  enqueue(draft: AuditEventDraft): void;
  /** True while the queue is at its limit: new requests are refused with 503 until it drains. */
  readonly overloaded: boolean;
}
