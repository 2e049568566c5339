/**
 * @module Admission's decisions on the wire: OpenAI's `x-ratelimit-*` headers on every data-plane reply, and the
 * catalog error for a refusal, naming the scope, the limit and when it resets (an error that names none of these
 * leaves a user guessing which limit to raise). `Retry-After` is whole seconds (RFC 9110 §10.2.3), rounded up so a
 * client that honours it never retries early.
 */
import type { AdmissionRefusal, ReservationSummary } from '../../admission/index.ts';
import type { AdmissionDenial, RateHeaders, RateWindowInfo, ScopeRef } from '../../domain/limits/index.ts';
import { GatehouseError, httpError } from '../errors.ts';

/** A duration the way OpenAI writes `x-ratelimit-reset-*`: `120ms`, `1.5s`, `6m0s`. */
export function formatResetDuration(ms: number): string {
  const whole = Math.max(0, Math.ceil(ms));
  if (whole < 1000) return `${whole}ms`;
  const seconds = whole / 1000;
  if (seconds < 60) return `${trimDecimals(seconds)}s`;
  const minutes = Math.floor(seconds / 60);
  return `${minutes}m${trimDecimals(seconds - minutes * 60)}s`;
}

function trimDecimals(value: number): string {
  return String(Math.round(value * 1000) / 1000);
}

/** Where headers go: a Fastify reply fits, and so does a plain collector. */
export interface HeaderSink {
  header(name: string, value: string): unknown;
}

function writeWindow(sink: HeaderSink, kind: 'requests' | 'tokens', info: RateWindowInfo): void {
  sink.header(`x-ratelimit-limit-${kind}`, String(info.limit));
  sink.header(`x-ratelimit-remaining-${kind}`, String(info.remaining));
  sink.header(`x-ratelimit-reset-${kind}`, formatResetDuration(info.resetMs));
}

/** Writes the headers of every kind some level limits; a kind nothing limits gets no headers. */
export function writeRateHeaders(sink: HeaderSink, rate: RateHeaders): void {
  if (rate.requests !== null) writeWindow(sink, 'requests', rate.requests);
  if (rate.tokens !== null) writeWindow(sink, 'tokens', rate.tokens);
}

/** `key 0193…`, `team 0193… for model gpt-4o`. */
export function describeScope(scope: ScopeRef): string {
  const base = `${scope.level} ${scope.id}`;
  return scope.model === undefined ? base : `${base} for model ${scope.model}`;
}

function formatUsd(value: number): string {
  return `$${Number(value.toFixed(6))}`;
}

function retryAfterSeconds(ms: number): string {
  return String(Math.max(1, Math.ceil(ms / 1000)));
}

/** "300 tokens (prompt estimate 44 + max_tokens 256)", or its USD price for a USD budget. */
function describeReservation(reserved: ReservationSummary, unit: 'usd' | 'tokens'): string {
  const tokens = `${reserved.promptTokens + reserved.outputTokens} tokens (prompt estimate ${reserved.promptTokens} + max_tokens ${reserved.outputTokens})`;
  return unit === 'usd' ? `${formatUsd(reserved.usd)} for ${tokens}` : tokens;
}

/** The catalog error (with `Retry-After` and, for rate denials, the exhausted kind's headers) for a denial. */
export function denialError(denial: AdmissionDenial, reserved: ReservationSummary): GatehouseError {
  const requestedTokens = reserved.promptTokens + reserved.outputTokens;
  const scope = describeScope(denial.scope);
  const headers: Record<string, string> = {};
  if (denial.retryAfterMs !== null) headers['retry-after'] = retryAfterSeconds(denial.retryAfterMs);
  const resetAt = denial.resetAt === null ? 'unknown' : new Date(denial.resetAt).toISOString();
  switch (denial.kind) {
    case 'requests':
    case 'tokens': {
      if (denial.retryAfterMs === null) {
        return new GatehouseError('request_too_large', {
          values: { requested: requestedTokens, scope, limit: denial.limit },
          param: 'max_tokens',
        });
      }
      const collector: HeaderSink = {
        header(name, value) {
          headers[name] = value;
        },
      };
      writeWindow(collector, denial.kind, { limit: denial.limit, remaining: 0, resetMs: denial.retryAfterMs });
      return new GatehouseError('rate_limit_exceeded', {
        values: {
          scope,
          limit: denial.limit,
          unit: denial.kind,
          retryAfter: headers['retry-after'] ?? '1',
          resetAt,
        },
        headers,
      });
    }
    case 'concurrency':
      return new GatehouseError('concurrency_limit_exceeded', { values: { scope, limit: denial.limit }, headers });
    case 'budget': {
      const unit = denial.unit === 'usd' ? 'USD' : 'token';
      const limit = denial.unit === 'usd' ? formatUsd(denial.limit) : `${denial.limit} tokens`;
      const reset = denial.resetAt === null ? 'a total budget never resets' : `it resets at ${resetAt}`;
      const reservation = describeReservation(reserved, denial.unit === 'usd' ? 'usd' : 'tokens');
      return new GatehouseError('budget_exceeded', {
        values: { window: denial.window ?? 'total', unit, scope, limit, reset, reservation },
        headers,
      });
    }
  }
}

/** The catalog error for any refusal admission returns. */
export function refusalError(refusal: AdmissionRefusal): GatehouseError {
  switch (refusal.kind) {
    case 'limit':
      return denialError(refusal.denial, refusal.reserved);
    case 'state_unavailable':
      return httpError('state_unavailable');
    case 'invalid_settings':
      return httpError('internal_error');
  }
}
