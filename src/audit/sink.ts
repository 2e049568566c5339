import type { AuditEventDraft } from '../domain/audit/index.ts';

/**
 * Where audit events go: the batched writer (on its own thread or on the request thread), wrapped by the
 * telemetry observer that derives request metrics and the access-log line from each draft
 * (src/telemetry/request-observer.ts). The pipeline's audit stage is its only caller.
 */
export interface AuditSink {
  enqueue(draft: AuditEventDraft): void;
  /** True while the queue is at its limit: new requests are refused with 503 until it drains. */
  readonly overloaded: boolean;
}
