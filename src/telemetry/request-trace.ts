/**
 * @module The tracing contract the pipeline sees, with no OpenTelemetry type in it: the SDK is loaded only when
 * traces are exported (`export.ts`), and with tracing off the pipeline's whole cost is one null check per request.
 */
import type { AuditEventDraft } from '../domain/audit/index.ts';

/** Pipeline stages in their fixed order (DESIGN §1); each becomes a child span of the request's server span. */
export type PipelineStage = 'identify' | 'authorize' | 'admit' | 'handler' | 'settle';

/** Header names and values as Node gives them. */
export type HeaderBag = Record<string, string | string[] | undefined>;

/** A span attribute value; OpenTelemetry's own type stays out of the services that set them. */
export type SpanValue = string | number | boolean | string[];
export type SpanAttributes = Record<string, SpanValue>;

/** A CLIENT span for one call the gateway makes upstream on a request's behalf (an LLM attempt, a tool call). */
export interface OutboundSpan {
  /** False when nothing is kept (not sampled, or tracing off): callers skip building costly attributes. */
  readonly recording: boolean;
  /** Sets `traceparent` (and `tracestate`) naming this span on an upstream request, over any the client sent. */
  inject(headers: Record<string, string | string[]>): void;
  set(attributes: SpanAttributes): void;
  /** A point in the call, at epoch milliseconds (now when omitted). */
  event(name: string, atMs?: number): void;
  /** Ends the span; an `errorType` marks it failed (`error.type`, status ERROR). */
  end(errorType?: string | null): void;
  /**
   * A span link to `other`: work this call waited on that another request started (a shared token refresh), so the
   * wait can be traced to its cause without the work belonging to two parents.
   */
  link(other: OutboundSpan): void;
}

/** The part of a request's trace the services see: one client span per outgoing call, under the server span. */
export interface OutboundTrace {
  startSpan(name: string, attributes: SpanAttributes): OutboundSpan;
}

/** One request's trace: its server span, live from the first pipeline stage to the audit event. */
export interface RequestTrace extends OutboundTrace {
  /** 32 lowercase hex digits: the client's trace when it sent a valid `traceparent`, else a new one. */
  readonly traceId: string;
  /** Marks the end of a stage; the next stage starts there. Cheap: a clock read, and nothing when not sampled. */
  endStage(stage: PipelineStage): void;
  /** `traceparent`/`tracestate` naming this request's span, for requests the gateway makes on its behalf. */
  inject(headers: Record<string, string>): void;
  /** Ends the server span with what the audit event says (status, outcome, principal, model, usage). */
  finish(draft: AuditEventDraft): void;
}

/** Its own `startSpan` opens a root CLIENT span: work the gateway does outside any request (an MCP connect). */
export interface RequestTracer extends OutboundTrace {
  /** Starts the server span for a request, continuing the caller's W3C trace context when it sent one. */
  startRequest(headers: HeaderBag, method: string, route: string, surface: string): RequestTrace;
  shutdown(): Promise<void>;
}
