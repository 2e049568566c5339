/**
 * @module The OpenTelemetry side of `RequestTracer`: one SERVER span per request, continued from the caller's W3C
 * `traceparent`/`tracestate`; the pipeline stages and, for LLM calls, a GenAI span as its children; exported over
 * OTLP/HTTP in batches. Loaded only when traces are on (see `export.ts`).
 *
 * Stage spans are built when the request ends, from clock marks taken as each stage ends: the request path reads
 * the clock once per stage and allocates nothing else. Attributes come from the audit draft, which by construction
 * holds no credential (DESIGN §2 invariant 4), so no secret can reach a span from here.
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
import { genAiOperation } from './genai.ts';
import type { HeaderBag, PipelineStage, RequestTrace, RequestTracer } from './request-trace.ts';

const STAGES: readonly PipelineStage[] = ['identify', 'authorize', 'admit', 'handler', 'settle'];
const STAGE_INDEX: Record<PipelineStage, number> = { identify: 0, authorize: 1, admit: 2, handler: 3, settle: 4 };

const propagator = new W3CTraceContextPropagator();
const headerGetter: TextMapGetter<HeaderBag> = {
  keys: (carrier) => Object.keys(carrier),
  get: (carrier, key) => carrier[key],
};
const headerSetter: TextMapSetter<Record<string, string>> = {
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

/** GenAI semantic conventions (https://opentelemetry.io/docs/specs/semconv/gen-ai/gen-ai-spans/). */
function genAiAttributes(operation: string, model: string, draft: AuditEventDraft): Attributes {
  const attributes: Attributes = { 'gen_ai.operation.name': operation, 'gen_ai.request.model': model };
  if (draft.upstream !== null) {
    attributes['gatehouse.upstream'] = draft.upstream.id;
    attributes['gatehouse.upstream_attempts'] = draft.upstream.attempts;
    if (draft.upstream.target !== null) attributes['gen_ai.response.model'] = draft.upstream.target;
  }
  if (draft.usage !== null) {
    attributes['gen_ai.usage.input_tokens'] = draft.usage.prompt_tokens;
    attributes['gen_ai.usage.output_tokens'] = draft.usage.completion_tokens;
    if (draft.usage.cost_usd !== undefined) attributes['gatehouse.cost_usd'] = draft.usage.cost_usd;
  }
  if (typeof draft.meta.stream === 'boolean') attributes['gatehouse.stream'] = draft.meta.stream;
  if (typeof draft.meta.ttft_ms === 'number') attributes['gatehouse.time_to_first_token_ms'] = draft.meta.ttft_ms;
  if (draft.outcome !== 'success') attributes['error.type'] = draft.error_code ?? draft.outcome;
  return attributes;
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
    let handler: [number, number] | null = null;
    for (let i = 0; i < STAGES.length; i++) {
      const end = this.#marks[i];
      if (end === undefined) continue;
      const stage = STAGES[i] as PipelineStage;
      this.#tracer
        .startSpan(`gatehouse.${stage}`, { startTime: start, kind: SpanKind.INTERNAL }, this.#context)
        .end(end);
      if (stage === 'handler') handler = [start, end];
      start = end;
    }
    const operation = genAiOperation(draft.authz?.permission);
    const model = draft.meta.model;
    if (operation !== null && typeof model === 'string' && handler !== null)
      this.#genAiSpan(operation, model, draft, handler);
    span.end(ended);
  }

  #genAiSpan(operation: string, model: string, draft: AuditEventDraft, [start, end]: [number, number]): void {
    const span = this.#tracer.startSpan(
      `${operation} ${model}`,
      { kind: SpanKind.CLIENT, startTime: start, attributes: genAiAttributes(operation, model, draft) },
      this.#context,
    );
    if (typeof draft.meta.ttft_ms === 'number') span.addEvent('gen_ai.first_token', start + draft.meta.ttft_ms);
    if (draft.outcome !== 'success') span.setStatus({ code: SpanStatusCode.ERROR });
    span.end(end);
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
    shutdown: () => provider.shutdown(),
  };
}
