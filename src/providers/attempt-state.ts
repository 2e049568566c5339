/**
 * @module What one attempt reads from and writes to the router state: the callbacks its plan consults, its
 * timeouts, the load per target, and a failure's penalties (the target's circuit, the key's cooldown).
 */
import {
  type FailureVerdict,
  type LlmOperation,
  type ModelGroupSpec,
  type PlannedAttempt,
  type TargetSpec,
  upstreamServes,
} from '../domain/routing/index.ts';
import type { ResolvedUpstream, RouterState } from './router-state.ts';
import type { LlmCall } from './types.ts';

export interface StateLookups {
  resolveGroup(name: string): ModelGroupSpec | undefined;
  inFlight(key: string): number;
  /**
   * For one operation: whether a target can take an attempt now (its circuit closed, a key not cooling down, and
   * an upstream that serves the operation, so a group mixing kinds fails over past the ones that cannot).
   */
  availableFor(operation: LlmOperation): (target: TargetSpec, key: string) => boolean;
}

/**
 * The callbacks a plan consults, built once per router state rather than per call: they read `state` at call
 * time, so a routing update (which swaps `state.groups` and `state.upstreams`) is still seen. Per-call closures
 * cost an allocation each and, under tsx's keep-names transform, a `__name` call (bench CPU profile).
 */
const stateLookups = new WeakMap<RouterState, StateLookups>();

export function lookupsFor(state: RouterState): StateLookups {
  let lookups = stateLookups.get(state);
  if (lookups === undefined) {
    // One predicate per operation, made on first use: a handful per router state, none per call.
    const byOperation = new Map<LlmOperation, (target: TargetSpec, key: string) => boolean>();
    lookups = {
      resolveGroup: (name) => state.groups.get(name),
      inFlight: (key) => state.inFlight.get(key) ?? 0,
      availableFor(operation) {
        let isAvailable = byOperation.get(operation);
        if (isAvailable === undefined) {
          isAvailable = (target, key) => {
            const upstream = state.upstreams.get(target.upstream);
            if (upstream === undefined || !upstreamServes(operation, upstream.dialects, upstream.adapter.dialect)) {
              return false;
            }
            const now = state.now();
            return state.health.isAvailable(key, now) && upstream.keys.hasAvailable(now);
          };
          byOperation.set(operation, isAvailable);
        }
        return isAvailable;
      },
    };
    stateLookups.set(state, lookups);
  }
  return lookups;
}
export function timeoutsFor(state: RouterState, call: LlmCall, group: ModelGroupSpec, target: TargetSpec) {
  const { policy } = state;
  const embeddings = call.operation.endsWith('embed') || call.operation.endsWith('embeddings');
  const fallbackTotal = embeddings
    ? policy.embeddings_timeout_ms
    : state.isReasoningModel(target.model)
      ? policy.reasoning_timeout_ms
      : policy.chat_timeout_ms;
  const total = group.timeout_ms ?? fallbackTotal;
  return {
    totalTimeoutMs: total,
    firstByteTimeoutMs: group.first_byte_timeout_ms ?? total,
    idleTimeoutMs: group.idle_timeout_ms ?? policy.idle_timeout_ms,
  };
}

/** Applies a failed attempt's consequences: the target's circuit and the key's cooldown. */
export function penalize(
  state: RouterState,
  planned: PlannedAttempt,
  upstream: ResolvedUpstream,
  keyIndex: number,
  verdict: FailureVerdict,
  retryAfterMs: number | null,
) {
  const now = state.now();
  if (verdict.penalizeTarget) state.health.recordFailure(planned.key, now, retryAfterMs ?? undefined);
  if (verdict.penalizeKey === 'unauthorized') {
    upstream.keys.cooldown(keyIndex, now + state.policy.key_unauthorized_cooldown_ms);
  } else if (verdict.penalizeKey === 'rate_limited') {
    upstream.keys.cooldown(keyIndex, now + (retryAfterMs ?? state.policy.key_rate_limited_cooldown_ms));
  }
}

export function adjustInFlight(state: RouterState, key: string, delta: number): void {
  state.inFlight.set(key, Math.max(0, (state.inFlight.get(key) ?? 0) + delta));
}
