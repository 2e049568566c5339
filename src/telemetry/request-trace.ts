/**
 * @module The tracing contract the pipeline sees, with no OpenTelemetry type in it: the SDK is loaded only when
 * traces are exported (`export.ts`), and with tracing off the pipeline's whole cost is one null check per request.
 */
import type { AuditEventDraft } from '../domain/audit/index.ts';

/** Pipeline stages in their fixed order (DESIGN §1); each becomes a child span of the request's server span. */
export type PipelineStage = 'identify' | 'authorize' | 'admit' | 'handler' | 'settle';

/** Header names and values as Node gives them. */
export type HeaderBag = Record<string, string | string[] | undefined>;

/** One request's trace: its server span, live from the first pipeline stage to the audit event. */
export interface RequestTrace {
  /** 32 lowercase hex digits: the client's trace when it sent a valid `traceparent`, else a new one. */
  readonly traceId: string;
  /** Marks the end of a stage; the next stage starts there. Cheap: a clock read, and nothing when not sampled. */
  endStage(stage: PipelineStage): void;
  /** `traceparent`/`tracestate` naming this request's span, for requests the gateway makes on its behalf. */
  inject(headers: Record<string, string>): void;
  /** Ends the server span with what the audit event says (status, outcome, principal, model, usage). */
  finish(draft: AuditEventDraft): void;
}

export interface RequestTracer {
  /** Starts the server span for a request, continuing the caller's W3C trace context when it sent one. */
  startRequest(headers: HeaderBag, method: string, route: string, surface: string): RequestTrace;
  shutdown(): Promise<void>;
}
