/**
 * @module The OpenTelemetry side of `RequestTracer`: one SERVER span per request, continued from the caller's W3C
 * `traceparent`/`tracestate`; the pipeline stages and a CLIENT span per upstream call (LLM attempt, MCP tool call,
 * vault call) as its children; exported over OTLP/HTTP in batches. Loaded only when traces are on (`export.ts`).
 *
 * Stage spans are built when the request ends, from clock marks taken as each stage ends: the request path reads
 * the clock once per stage and allocates nothing else. Server-span attributes come from the audit draft, which by
 * construction holds no credential (DESIGN §2 invariant 4); client spans get theirs from the services that make
 * the calls, which set only names, counts and ids (the canary test in test/integration/telemetry checks both).
 */
import {
  type Attributes,
  type Context,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  SpanStatusCode,
  type TextMapGetter,
  type TextMapSetter,
  type Tracer,
  trace,
} from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import type { Resource } from '@opentelemetry/resources';
import {
  BasicTracerProvider,
  BatchSpanProcessor,
  ParentBasedSampler,
  TraceIdRatioBasedSampler,
} from '@opentelemetry/sdk-trace-base';
import type { AuditEventDraft } from '../domain/audit/index.ts';
import type {
  HeaderBag,
  OutboundSpan,
  PipelineStage,
  RequestTrace,
  RequestTracer,
  SpanAttributes,
} from './request-trace.ts';

const STAGES: readonly PipelineStage[] = ['identify', 'authorize', 'admit', 'handler', 'settle'];
const STAGE_INDEX: Record<PipelineStage, number> = { identify: 0, authorize: 1, admit: 2, handler: 3, settle: 4 };

const propagator = new W3CTraceContextPropagator();
const headerGetter: TextMapGetter<HeaderBag> = {
  keys: (carrier) => Object.keys(carrier),
  get: (carrier, key) => carrier[key],
};
const headerSetter: TextMapSetter<Record<string, string | string[]>> = {
  set: (carrier, key, value) => {
    carrier[key] = value;
  },
};

/** Epoch milliseconds with sub-millisecond precision (span times are nanoseconds on the wire). */
function now(): number {
  return performance.timeOrigin + performance.now();
}

function serverAttributes(draft: AuditEventDraft): Attributes {
  const { principal } = draft;
  const attributes: Attributes = {
    'http.response.status_code': draft.status,
    'gatehouse.request_id': draft.request_id,
    'gatehouse.outcome': draft.outcome,
  };
  if (principal !== null) {
    attributes['enduser.id'] = `${principal.type}:${principal.id}`;
    if (principal.tenant_id !== null) attributes['gatehouse.tenant_id'] = principal.tenant_id;
    if (principal.team_id !== null) attributes['gatehouse.team_id'] = principal.team_id;
  }
  if (draft.error_code !== null) attributes['gatehouse.error_code'] = draft.error_code;
  if (draft.status >= 500) attributes['error.type'] = draft.error_code ?? String(draft.status);
  if (typeof draft.meta.session === 'string') attributes['session.id'] = draft.meta.session;
  return attributes;
}

/**
 * One upstream call as a CLIENT span, live from the attempt's start to its end (a stream's last byte), so an
 * exporter sees its true duration and failover shows as sibling spans under the server span.
 */
class OtelOutboundSpan implements OutboundSpan {
  readonly recording: boolean;
  readonly #span: Span;

  constructor(span: Span) {
    this.#span = span;
    this.recording = span.isRecording();
  }

  inject(headers: Record<string, string | string[]>): void {
    // A client's own tracestate goes out inside the span context (the SDK copies it from the parent): never twice.
    delete headers.tracestate;
    propagator.inject(trace.setSpan(ROOT_CONTEXT, this.#span), headers, headerSetter);
  }

  set(attributes: SpanAttributes): void {
    if (this.recording) this.#span.setAttributes(attributes);
  }

  event(name: string, atMs?: number): void {
    if (this.recording) this.#span.addEvent(name, atMs);
  }

  end(errorType?: string | null): void {
    if (this.recording && errorType !== undefined && errorType !== null) {
      this.#span.setAttribute('error.type', errorType);
      this.#span.setStatus({ code: SpanStatusCode.ERROR });
    }
    this.#span.end();
  }

  link(other: OutboundSpan): void {
    if (this.recording && other instanceof OtelOutboundSpan) this.#span.addLink({ context: other.#span.spanContext() });
  }
}

class OtelRequestTrace implements RequestTrace {
  readonly traceId: string;
  readonly #tracer: Tracer;
  readonly #span: Span;
  readonly #context: Context;
  readonly #startedAt: number;
  readonly #marks: Array<number | undefined> = [undefined, undefined, undefined, undefined, undefined];

  constructor(tracer: Tracer, span: Span, startedAt: number) {
    this.#tracer = tracer;
    this.#span = span;
    this.#context = trace.setSpan(ROOT_CONTEXT, span);
    this.#startedAt = startedAt;
    this.traceId = span.spanContext().traceId;
  }

  endStage(stage: PipelineStage): void {
    if (this.#span.isRecording()) this.#marks[STAGE_INDEX[stage]] = now();
  }

  inject(headers: Record<string, string>): void {
    propagator.inject(this.#context, headers, headerSetter);
  }

  startSpan(name: string, attributes: SpanAttributes): OutboundSpan {
    return new OtelOutboundSpan(this.#tracer.startSpan(name, { kind: SpanKind.CLIENT, attributes }, this.#context));
  }

  finish(draft: AuditEventDraft): void {
    const span = this.#span;
    if (!span.isRecording()) {
      span.end();
      return;
    }
    const ended = now();
    span.setAttributes(serverAttributes(draft));
    if (draft.status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
    let start = this.#startedAt;
    for (let i = 0; i < STAGES.length; i++) {
      const end = this.#marks[i];
      if (end === undefined) continue;
      this.#tracer
        .startSpan(
          `gatehouse.${STAGES[i] as PipelineStage}`,
          { startTime: start, kind: SpanKind.INTERNAL },
          this.#context,
        )
        .end(end);
      start = end;
    }
    span.end(ended);
  }
}

export interface OtelTracerOptions {
  endpoint: string;
  headers: Record<string, string>;
  sampleRatio: number;
  resource: Resource;
  /** Delay between batch exports (ms); the SDK's default is 5 s. */
  exportDelayMs?: number;
}

export function createOtelRequestTracer(options: OtelTracerOptions): RequestTracer {
  const provider = new BasicTracerProvider({
    resource: options.resource,
    // A sampled caller is always followed (its trace stays whole); only traces that start here are sampled.
    sampler: new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(options.sampleRatio) }),
    spanProcessors: [
      new BatchSpanProcessor(new OTLPTraceExporter({ url: options.endpoint, headers: options.headers }), {
        maxQueueSize: 8192,
        maxExportBatchSize: 512,
        scheduledDelayMillis: options.exportDelayMs ?? 1000,
      }),
    ],
  });
  const tracer = provider.getTracer('gatehouse');
  return {
    startRequest(headers, method, route, surface) {
      const parent =
        headers.traceparent === undefined ? ROOT_CONTEXT : propagator.extract(ROOT_CONTEXT, headers, headerGetter);
      const startedAt = now();
      const span = tracer.startSpan(
        `${method} ${route}`,
        {
          kind: SpanKind.SERVER,
          startTime: startedAt,
          attributes: { 'http.request.method': method, 'http.route': route, 'gatehouse.surface': surface },
        },
        parent,
      );
      return new OtelRequestTrace(tracer, span, startedAt);
    },
    startSpan(name, attributes) {
      return new OtelOutboundSpan(tracer.startSpan(name, { kind: SpanKind.CLIENT, attributes }, ROOT_CONTEXT));
    },
    shutdown: () => provider.shutdown(),
  };
}
