import type { AuditEventDraft } from '../domain/audit/index.ts';
import type { LedgerDelta } from '../domain/limits/index.ts';

/**
 * Where audit events go: the batched writer (in-thread or on the audit thread), wrapped by the telemetry observer
 * that derives request metrics and the access-log line from each draft (src/telemetry/request-observer.ts). The
 * pipeline's audit stage is its only caller.
 */
export interface AuditSink {
  /**
   * Accepts one event and, for a metered request, its ledger delta, committed in one transaction. Resolves once
   * that commit completed; never rejects (failed commits are retried, and the queue limit sheds new load).
   */
  enqueue(draft: AuditEventDraft, spend?: LedgerDelta | null): Promise<void>;
  /** True while the queue is at its limit: new requests are refused with 503 until it drains. */
  readonly overloaded: boolean;
}
