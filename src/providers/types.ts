import type {
  Dialect,
  JsonObject,
  LlmOperation,
  PlanOptions,
  TranslateContext,
  UpstreamCallPlan,
  UpstreamErrorCode,
  Usage,
} from '../domain/routing/index.ts';
import type { OutboundTrace } from '../telemetry/index.ts';

/**
 * How a call is carried out on an upstream of a given dialect: the client's dialect object implements it
 * (passthrough for its own dialect, translation otherwise). Called once per attempt, before any I/O.
 */
export interface CallPlanner {
  planUpstream(call: LlmCall, upstream: Dialect, ctx: TranslateContext, options: PlanOptions): UpstreamCallPlan;
}

/** One call from a route: the typed call built at the route boundary, already authorised and admitted. */
export interface LlmCall {
  /** Drives deterministic target selection and ids in translated responses. */
  requestId: string;
  operation: LlmOperation;
  /** The public model name (after any `x-gatehouse-model` override). */
  model: string;
  /** The client's parsed JSON body; never mutated. Unknown fields reach same-dialect upstreams untouched. */
  body: JsonObject;
  /** The body's bytes as the client sent them, when its dialect passes them through byte for byte (Anthropic). */
  rawBody?: Buffer | null;
  /** The protocol headers of the client's dialect it sent (`anthropic-version`, `anthropic-beta`); never credentials. */
  protocolHeaders?: Readonly<Record<string, string>>;
  /** Prompt tokens estimated at the boundary; the usage estimate when an upstream reports none. */
  promptTokens: number;
  planner: CallPlanner;
  /** Aborts the upstream at once: wire it to the client connection's close. */
  signal?: CallSignal | undefined;
  /** Whose turn a call waits for when its upstream is saturated (the caller's tenant; null shares one turn). */
  tenant?: string | null;
  /**
   * The request's trace: every attempt is one client span of it, and its request carries that span's
   * `traceparent` (with tracing off, the client's own, unchanged). Null or absent: nothing is propagated.
   */
  trace?: OutboundTrace | null;
  /** Spans may hold the prompt and the completion (the key opted in to prompt logging); never otherwise. */
  recordContent?: boolean;
}

/**
 * The part of an `AbortSignal` a call reads: an `AbortSignal` satisfies it. Routes pass a lighter object, since
 * building an `AbortController` per request (an `EventTarget`) showed in the bench's CPU profile. Listeners are
 * added with `{ once: true }` semantics: after an abort nothing fires again.
 */
export interface CallSignal {
  readonly aborted: boolean;
  addEventListener(type: 'abort', listener: () => void, options?: { once?: boolean }): void;
  removeEventListener(type: 'abort', listener: () => void): void;
}

export interface AttemptRecord {
  upstream: string;
  target: string;
  /** Index of the upstream API key used (never the key), -1 when the upstream has none. */
  key_index: number;
  fallback: boolean;
  outcome: 'ok' | UpstreamErrorCode;
  /** The upstream's HTTP status, null when no response arrived. */
  status: number | null;
  duration_ms: number;
}

export type CallOutcome = 'ok' | 'error' | 'truncated' | 'aborted';

/** Everything the audit event needs about the upstream side of a call. Final once the call has settled. */
export interface CallAudit {
  model: string;
  upstream: string | null;
  target: string | null;
  attempts: AttemptRecord[];
  usage: Usage | null;
  /** Usage was estimated from text (the upstream reported none: cut or aborted stream). */
  usage_estimated: boolean;
  /** Call start to the first complete upstream event (streams) or first body byte (JSON). */
  ttft_ms: number | null;
  latency_ms: number | null;
  truncated: boolean;
  /** Time spent waiting for a connection slot on a saturated upstream; null when a slot was free at once. */
  queue_wait_ms: number | null;
  outcome: CallOutcome;
  error_code: UpstreamErrorCode | null;
}

/**
 * Where a stream is written: `http.ServerResponse` (Fastify's `reply.raw` after `reply.hijack()`) satisfies it.
 * `write` returning false pauses the upstream until `drain`.
 */
export interface ResponseSink {
  write(chunk: Buffer): boolean;
  /** The stream's last bytes (its terminal event), or none. */
  end(chunk?: Buffer): void;
  once(event: 'drain', listener: () => void): unknown;
}

/** A committed stream: the upstream already produced its first event, so failover is no longer possible. */
export interface RelayStream {
  /** Writes the stream to `sink` and ends it; resolves with the final audit (never rejects). */
  pipeTo(sink: ResponseSink): Promise<CallAudit>;
  /** Aborts the upstream without writing anything (the route gave up before piping). */
  cancel(): void;
}

export type LlmResult =
  | { kind: 'json'; status: number; contentType: string; body: Buffer; audit: CallAudit }
  | { kind: 'stream'; status: 200; contentType: string; stream: RelayStream; audit: CallAudit };
