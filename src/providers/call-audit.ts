import {
  estimateTokensFromChars,
  extractUpstreamMessage,
  type FailureVerdict,
  makeUsage,
  measureStringField,
  type PlannedAttempt,
  redactSecrets,
  type StreamTransform,
  type UpstreamErrorCode,
  type Usage,
} from '../domain/routing/index.ts';
import { UpstreamError } from './errors.ts';
import type { UpstreamResponse } from './http/exchange.ts';
import type { StreamEnd } from './relay-stream.ts';
import type { AttemptRecord, CallAudit } from './types.ts';

export function createCallAudit(model: string): CallAudit {
  return {
    model,
    upstream: null,
    target: null,
    attempts: [],
    usage: null,
    usage_estimated: false,
    ttft_ms: null,
    latency_ms: null,
    truncated: false,
    outcome: 'error',
    error_code: null,
  };
}

export function beginAttempt(audit: CallAudit, planned: PlannedAttempt, keyIndex: number, now: number): AttemptRecord {
  const record: AttemptRecord = {
    upstream: planned.target.upstream,
    target: planned.target.model,
    key_index: keyIndex,
    fallback: planned.fallback,
    outcome: 'ok',
    status: null,
    duration_ms: now,
  };
  audit.attempts.push(record);
  audit.upstream = planned.target.upstream;
  audit.target = planned.target.model;
  return record;
}

/** `duration_ms` holds the start time until the attempt finishes. */
export function finishAttempt(
  record: AttemptRecord,
  outcome: 'ok' | UpstreamErrorCode,
  status: number | null,
  now: number,
) {
  record.outcome = outcome;
  record.status = status;
  record.duration_ms = Math.max(0, now - record.duration_ms);
}

/** Usage for a JSON reply whose upstream reported none: prompt from the request, completion from the text. */
export function estimateJsonUsage(promptTokens: number, responseBody: Buffer): Usage {
  const text = responseBody.toString('utf8');
  const chars =
    measureStringField(text, 'content') + measureStringField(text, 'text') + measureStringField(text, 'response');
  return makeUsage(promptTokens, estimateTokensFromChars(chars));
}

export function finishStreamAudit(
  audit: CallAudit,
  promptTokens: number,
  transform: StreamTransform,
  end: StreamEnd,
  latencyMs: number,
): CallAudit {
  const reported = transform.usage;
  audit.usage = reported ?? makeUsage(promptTokens, estimateTokensFromChars(transform.completionChars));
  audit.usage_estimated = reported === null;
  audit.latency_ms = latencyMs;
  audit.truncated = end.kind === 'truncated';
  audit.outcome = end.kind === 'complete' ? 'ok' : end.kind;
  if (end.kind === 'truncated') audit.error_code = end.failure?.verdict.code ?? 'upstream_stream_truncated';
  if (end.kind === 'aborted') audit.error_code = 'client_aborted';
  const last = audit.attempts.at(-1);
  if (last !== undefined && end.kind === 'truncated') last.outcome = 'upstream_stream_truncated';
  return audit;
}

/**
 * The client sees the upstream's own message only for requests the upstream judged invalid (its 4xx), where the
 * reason is the useful part ("maximum context length is 8192 tokens"); the text is redacted first. A 404 means
 * the gateway's target is misconfigured, which is not the client's fault, hence 502.
 */
export function errorFromResponse(
  verdict: FailureVerdict,
  response: UpstreamResponse,
  secrets: readonly string[],
  retryAfterMs: number | null,
): UpstreamError {
  const status = response.status;
  const upstreamMessage = extractUpstreamMessage(response.body.toString('utf8'));
  // Even the logged copy is redacted: logs are shipped to places the upstream keys must never reach.
  const cause = new Error(
    `upstream HTTP ${status}: ${redactSecrets(response.body.subarray(0, 2048).toString('utf8'), secrets)}`,
  );
  if (verdict.code === 'upstream_rejected') {
    const detail = upstreamMessage === null ? `HTTP ${status}` : redactSecrets(upstreamMessage, secrets);
    return new UpstreamError('upstream_rejected', {
      message: `The model upstream rejected the request: ${detail}`,
      status: status === 404 || status < 400 ? 502 : status,
      upstreamStatus: status,
      cause,
    });
  }
  return new UpstreamError(verdict.code, {
    retryable: verdict.retryable,
    upstreamStatus: status,
    retryAfterMs,
    cause,
  });
}
