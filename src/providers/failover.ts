import {
  BAD_RESPONSE,
  classifyStatus,
  computeBackoffMs,
  createAttemptPlan,
  dialectOfOperation,
  type JsonObject,
  type PlannedAttempt,
  PublicModelName,
  parseRetryAfterMs,
  readTopLevelMembers,
  type StreamTransform,
  type UpstreamCallPlan,
  type UpstreamErrorCode,
} from '../domain/routing/index.ts';
import type { OutboundSpan } from '../telemetry/index.ts';
import {
  replyAttributes,
  scannedFinishReasons,
  startAttemptSpan,
  streamedOutputAttributes,
  usageAttributes,
} from './attempt-span.ts';
import { adjustInFlight, lookupsFor, penalize, timeoutsFor } from './attempt-state.ts';
import {
  beginAttempt,
  createCallAudit,
  errorFromResponse,
  estimateJsonUsage,
  finishAttempt,
  finishStreamAudit,
} from './call-audit.ts';
import { UnknownModelError, UpstreamError } from './errors.ts';
import { runExchange, type UpstreamResponse, type UpstreamStreamStart } from './http/exchange.ts';
import type { ExchangeFailure } from './http/exchange-failure.ts';
import type { ReleaseSlot } from './http/slot-gate.ts';
import { createRelayStream } from './relay-stream.ts';
import type { ResolvedUpstream, RouterState } from './router-state.ts';
import type { AttemptRecord, CallAudit, LlmCall, LlmResult } from './types.ts';
import { tenantOf, waitForSlot } from './upstream-slots.ts';

/**
 * Above this a reply passed through unchanged is not parsed whole: only its usage members are read, so a large
 * embeddings reply does not hold the request thread (see `readTopLevelMembers`). Below it, a full parse costs well
 * under a millisecond and checks the JSON completely.
 */
const FULL_PARSE_MAX_BYTES = 64 * 1024;

/**
 * Also read of a large reply, for its span: small top-level values (the id, and how it ended on the Anthropic,
 * Ollama and Responses APIs), parsed only when present. Chat's `choices[].finish_reason` is found in the bytes.
 */
const SPAN_MEMBERS = ['id', 'object', 'status', 'incomplete_details', 'stop_reason', 'done_reason'] as const;

/** Whether the reply is read member by member rather than parsed whole (see `FULL_PARSE_MAX_BYTES`). */
function readsInPart(body: Buffer, plan: UpstreamCallPlan): boolean {
  return plan.translateResponse === null && body.length > FULL_PARSE_MAX_BYTES;
}

function readReply(body: Buffer, plan: UpstreamCallPlan): JsonObject | null {
  if (readsInPart(body, plan)) {
    // `model` too: whether the name the client reads must be replaced (see `passedThrough`).
    return readTopLevelMembers(body, [...plan.usageMembers, 'model', ...SPAN_MEMBERS]);
  }
  return parseJson(body);
}

/**
 * A reply passed through as the upstream's bytes, naming the model the client asked for. Most upstreams echo the
 * name they were sent, so the bytes are searched only when the reply names another (an alias's target, a dated
 * snapshot).
 */
function passedThrough(body: Buffer, reply: JsonObject, publicModel: string): Buffer {
  if (typeof reply.model !== 'string' || reply.model === publicModel) return body;
  return new PublicModelName(publicModel).apply(body);
}

function parseJson(body: Buffer): JsonObject | null {
  try {
    const value: unknown = JSON.parse(body.toString('utf8'));
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as JsonObject) : null;
  } catch {
    return null;
  }
}

interface AttemptContext {
  state: RouterState;
  call: LlmCall;
  audit: CallAudit;
  startedAt: number;
  planned: PlannedAttempt;
  upstream: ResolvedUpstream;
  keyIndex: number;
  plan: UpstreamCallPlan;
  /** The upstream slot this attempt holds: given back when the response is read, or when the stream ends. */
  release: ReleaseSlot;
  /** This attempt's client span; null when the request carries no trace. */
  span: OutboundSpan | null;
  /** When this attempt's request went out (the call's earlier attempts and backoff excluded). */
  attemptStartedAt: number;
}

/** Closes an attempt: its audit record, the attempt counter and its span, in one place for every outcome. */
function endAttempt(
  ctx: AttemptContext,
  record: AttemptRecord,
  outcome: 'ok' | UpstreamErrorCode,
  status: number | null,
  now: number,
): void {
  finishAttempt(record, outcome, status, now);
  ctx.state.onAttempt(record.upstream, outcome);
  if (ctx.span === null || outcome === 'ok') return;
  if (status !== null) ctx.span.set({ 'http.response.status_code': status });
  ctx.span.end(outcome);
}

function succeedJson(ctx: AttemptContext, response: UpstreamResponse, json: JsonObject): LlmResult {
  const { state, audit, plan } = ctx;
  const translated = plan.translateResponse?.(json);
  const body =
    translated === undefined
      ? passedThrough(response.body, json, ctx.call.model)
      : Buffer.from(JSON.stringify(translated));
  const reported = plan.readUsage(json);
  audit.usage = reported ?? estimateJsonUsage(ctx.call.promptTokens, response.body);
  audit.usage_estimated = reported === null;
  audit.ttft_ms = response.firstByteAt === null ? null : response.firstByteAt - ctx.startedAt;
  audit.latency_ms = state.now() - ctx.startedAt;
  audit.outcome = 'ok';
  if (ctx.span !== null) {
    if (ctx.span.recording) {
      const whole = !readsInPart(response.body, plan);
      const attributes = replyAttributes(json, audit.usage, ctx.call.recordContent === true && whole);
      if (!whole) Object.assign(attributes, scannedFinishReasons(response.body, plan.operation));
      ctx.span.set(attributes);
      if (response.firstByteAt !== null) ctx.span.event('gen_ai.first_token', response.firstByteAt);
    }
    ctx.span.end();
  }
  return { kind: 'json', status: 200, contentType: 'application/json', body, audit };
}

function succeedStream(ctx: AttemptContext, start: UpstreamStreamStart): LlmResult {
  const { state, audit, planned } = ctx;
  audit.ttft_ms = start.firstByteAt - ctx.startedAt;
  if (ctx.span !== null) {
    ctx.span.set({
      'gen_ai.response.model': planned.target.model,
      'gatehouse.stream': true,
      'gen_ai.response.time_to_first_chunk': (start.firstByteAt - ctx.attemptStartedAt) / 1000,
    });
    ctx.span.event('gen_ai.first_token', start.firstByteAt);
  }
  adjustInFlight(state, planned.key, 1);
  const stream = createRelayStream(start.live, (end) => {
    ctx.release();
    adjustInFlight(state, planned.key, -1);
    if (end.kind === 'truncated' && end.failure !== null && end.failure.verdict.penalizeTarget) {
      state.health.recordFailure(planned.key, state.now());
    }
    const final = finishStreamAudit(
      audit,
      ctx.call.promptTokens,
      start.live.transform,
      end,
      state.now() - ctx.startedAt,
    );
    if (ctx.span !== null) {
      if (final.usage !== null) ctx.span.set(usageAttributes(final.usage));
      const reason = start.live.transform.finishReason;
      if (reason !== null) ctx.span.set({ 'gen_ai.response.finish_reasons': [reason] });
      const text = start.live.transform.text;
      if (text !== null) ctx.span.set(streamedOutputAttributes(ctx.plan.operation, text, reason));
      ctx.span.end(final.error_code);
    }
    return final;
  });
  return { kind: 'stream', status: 200, contentType: ctx.plan.contentType, stream, audit };
}

/** The plan's stream transform, keeping the generated text for the span when the caller may have it recorded. */
function streamTransform(ctx: AttemptContext): StreamTransform {
  const transform = ctx.plan.createStreamTransform();
  if (ctx.call.recordContent === true && ctx.span?.recording === true) transform.keepText(FULL_PARSE_MAX_BYTES);
  return transform;
}

/** Runs one attempt; returns the result, or the error to remember when another attempt may follow. */
async function attempt(ctx: AttemptContext): Promise<LlmResult | UpstreamError> {
  const { state, call, planned, upstream, plan } = ctx;
  ctx.attemptStartedAt = state.now();
  const record = beginAttempt(ctx.audit, planned, ctx.keyIndex, ctx.attemptStartedAt);
  const timeouts = timeoutsFor(state, call, planned.group, planned.target);
  const keyChoice = ctx.keyIndex < 0 ? null : (upstream.base.spec.api_keys[ctx.keyIndex] ?? null);
  const request = upstream.adapter.buildRequest(
    upstream.base,
    plan.operation,
    planned.target.model,
    plan.rawBody ?? Buffer.from(JSON.stringify(plan.body)),
    plan.stream,
    keyChoice,
  );
  // The dialect's own protocol headers win over the adapter's defaults (the client's anthropic-version).
  if (plan.headers !== undefined) Object.assign(request.headers, plan.headers);
  ctx.span?.inject(request.headers);
  adjustInFlight(state, planned.key, 1);
  let outcome: UpstreamResponse | UpstreamStreamStart;
  try {
    outcome = await runExchange({
      dispatcher: upstream.dispatcher,
      request,
      transform: plan.stream ? streamTransform(ctx) : null,
      ...timeouts,
      maxBodyBytes: state.maxResponseBytes,
      signal: call.signal,
      now: state.now,
    });
  } catch (error) {
    ctx.release();
    const failure = error as ExchangeFailure;
    endAttempt(ctx, record, failure.verdict.code, failure.status, state.now());
    penalize(state, planned, upstream, ctx.keyIndex, failure.verdict, null);
    return new UpstreamError(failure.verdict.code, { retryable: failure.verdict.retryable, cause: failure });
  } finally {
    adjustInFlight(state, planned.key, -1);
  }
  if (outcome.kind === 'response') ctx.release();
  const now = state.now();
  if (outcome.kind === 'response' && (outcome.status < 200 || outcome.status >= 300)) {
    const verdict = classifyStatus(outcome.status, upstream.keys.size);
    const retryAfter = parseRetryAfterMs(
      outcome.headers['retry-after'] as string | undefined,
      outcome.headers['retry-after-ms'] as string | undefined,
      now,
    );
    endAttempt(ctx, record, verdict.code, outcome.status, now);
    penalize(state, planned, upstream, ctx.keyIndex, verdict, retryAfter);
    return errorFromResponse(verdict, outcome, upstream.base.spec.api_keys, retryAfter);
  }
  const json = outcome.kind === 'response' ? readReply(outcome.body, plan) : null;
  if (outcome.kind === 'response' && (plan.stream || json === null)) {
    endAttempt(ctx, record, BAD_RESPONSE.code, outcome.status, now);
    penalize(state, planned, upstream, ctx.keyIndex, BAD_RESPONSE, null);
    return new UpstreamError('upstream_bad_response', { retryable: true, upstreamStatus: outcome.status });
  }
  state.health.recordSuccess(planned.key);
  endAttempt(ctx, record, 'ok', outcome.status, now);
  ctx.audit.upstream = planned.target.upstream;
  ctx.audit.target = planned.target.model;
  return outcome.kind === 'stream' ? succeedStream(ctx, outcome) : succeedJson(ctx, outcome, json as JsonObject);
}

function fail(audit: CallAudit, error: UpstreamError, startedAt: number, now: number): never {
  audit.outcome = error.code === 'client_aborted' ? 'aborted' : 'error';
  audit.error_code = error.code;
  audit.latency_ms = now - startedAt;
  error.audit = audit;
  throw error;
}

/**
 * Serves one call over the model group's targets, retrying with backoff on another target (or the next key),
 * then over the fallback groups, until an attempt commits. Throws `UpstreamError` (with `.audit`) when none does,
 * or `UnknownModelError` for a model without a group.
 */
export async function executeWithFailover(state: RouterState, call: LlmCall): Promise<LlmResult> {
  const primary = state.groups.get(call.model);
  if (primary === undefined) throw new UnknownModelError(call.model);
  const startedAt = state.now();
  const audit = createCallAudit(call.model);
  const lookups = lookupsFor(state);
  const { resolveGroup, inFlight } = lookups;
  const isAvailable = lookups.availableFor(call.operation);
  const plan = createAttemptPlan({
    primary,
    resolveGroup,
    requestId: call.requestId,
    defaultStrategy: 'weighted-hash',
    defaultRetries: state.policy.retries,
    maxAttempts: state.policy.max_attempts,
    inFlight,
  });
  const tenant = tenantOf(call);
  let lastError: UpstreamError | null = null;
  let skipBackoff = false;
  // The first target found saturated: waited for only once no other target of the plan had a free slot.
  let saturated: PlannedAttempt | null = null;
  for (let planned = plan.next(isAvailable); planned !== null; planned = plan.next(isAvailable)) {
    if (planned.attempt > 0 && !skipBackoff) {
      const { backoff_base_ms: base, backoff_max_ms: max } = state.policy;
      await state.sleep(computeBackoffMs(planned.attempt - 1, base, max, state.random()), call.signal);
    }
    if (call.signal?.aborted) fail(audit, new UpstreamError('client_aborted'), startedAt, state.now());
    const upstream = state.upstreams.get(planned.target.upstream) as ResolvedUpstream;
    const keyChoice = upstream.keys.pick(state.now());
    if (keyChoice === null) continue;
    const release = upstream.gate.tryAcquire(tenant);
    if (release === null) {
      saturated ??= planned;
      skipBackoff = true;
      continue;
    }
    const result = await planAndAttempt(state, call, audit, startedAt, planned, upstream, keyChoice.index, release);
    if (!(result instanceof UpstreamError)) return result;
    if (!result.retryable) fail(audit, result, startedAt, state.now());
    lastError = result;
    // Switching to another key needs no wait: the cooled-down key, not the upstream, was the problem.
    skipBackoff =
      (result.code === 'upstream_rate_limited' || result.code === 'upstream_auth_failed') && upstream.keys.size > 1;
  }
  if (saturated !== null) {
    const upstream = state.upstreams.get(saturated.target.upstream) as ResolvedUpstream;
    const slot = await waitForSlot(state, call, audit, saturated.target.upstream, upstream);
    if (slot instanceof UpstreamError) fail(audit, slot, startedAt, state.now());
    const keyChoice = upstream.keys.pick(state.now());
    if (keyChoice === null) {
      slot();
    } else {
      const result = await planAndAttempt(state, call, audit, startedAt, saturated, upstream, keyChoice.index, slot);
      if (!(result instanceof UpstreamError)) return result;
      lastError = result;
    }
  }
  const exhausted =
    lastError ??
    new UpstreamError('upstream_unavailable', {
      message: 'No upstream target of this model is available right now (all are cooling down).',
    });
  fail(audit, exhausted, startedAt, state.now());
}

/** Plans the call for the target's dialect and runs one attempt holding `release`'s slot. */
function planAndAttempt(
  state: RouterState,
  call: LlmCall,
  audit: CallAudit,
  startedAt: number,
  planned: PlannedAttempt,
  upstream: ResolvedUpstream,
  keyIndex: number,
  release: ReleaseSlot,
): Promise<LlmResult | UpstreamError> {
  // Same dialect on both sides is passthrough; otherwise the client's dialect translates to the adapter's.
  const served = dialectOfOperation(call.operation);
  const callPlan = call.planner.planUpstream(
    call,
    upstream.dialects.includes(served) ? served : upstream.adapter.dialect,
    {
      requestId: call.requestId,
      publicModel: call.model,
      upstreamModel: planned.target.model,
      now: state.now,
      startedAt,
    },
    { reasoning: state.isReasoningModel(planned.target.model) },
  );
  return attempt({
    state,
    call,
    audit,
    startedAt,
    planned,
    upstream,
    keyIndex,
    plan: callPlan,
    release,
    span: startAttemptSpan(call, upstream, planned, audit.attempts.length + 1),
    attemptStartedAt: 0,
  });
}
