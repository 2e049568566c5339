/**
 * @module Waiting for a connection slot on a saturated upstream (issue 14, finding 5): bounded by the upstream's
 * `queue_timeout_ms`, fair between tenants (the gate's round-robin), measured, and ending in a clean 503
 * `upstream_saturated` with `Retry-After` instead of a request parked in the pool until its first-byte timeout.
 */
import { UpstreamError } from './errors.ts';
import type { ReleaseSlot } from './http/slot-gate.ts';
import type { ResolvedUpstream, RouterState } from './router-state.ts';
import type { CallAudit, LlmCall } from './types.ts';

/** The tenant a call queues as; calls without one (operations, tests) share one turn. */
export function tenantOf(call: LlmCall): string {
  return call.tenant ?? '';
}

/**
 * Waits for a slot on `upstream`. Resolves with the slot, or with the error that ends the call: `client_aborted`
 * when the client left while waiting, `upstream_saturated` when the wait ran out. The wait is recorded in the
 * call's audit (`queue_wait_ms`) either way.
 */
export async function waitForSlot(
  state: RouterState,
  call: LlmCall,
  audit: CallAudit,
  upstreamId: string,
  upstream: ResolvedUpstream,
): Promise<ReleaseSlot | UpstreamError> {
  const started = state.now();
  const outcome = await upstream.gate.acquire(tenantOf(call), upstream.queueTimeoutMs, call.signal);
  const waitedMs = state.now() - started;
  audit.queue_wait_ms = (audit.queue_wait_ms ?? 0) + waitedMs;
  state.onQueueWait({
    upstream: upstreamId,
    seconds: waitedMs / 1000,
    outcome: typeof outcome === 'function' ? 'granted' : outcome,
  });
  if (typeof outcome === 'function') return outcome;
  if (outcome === 'aborted') return new UpstreamError('client_aborted');
  return new UpstreamError('upstream_saturated', {
    // As long again as this call waited: a slot frees when a stream ends, which the gateway cannot foresee.
    retryAfterMs: Math.max(1_000, upstream.queueTimeoutMs),
    message:
      `Every connection to the model upstream is busy (${upstream.gate.capacity} in use, ` +
      `${upstream.gate.queued} waiting); retry after the time in Retry-After.`,
  });
}
