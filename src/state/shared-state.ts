/**
 * @module The shared-state boundary (DESIGN §1 "state"): counters, leases, locks and pub/sub that every
 * gateway instance must agree on. One interface, two implementations chosen once at startup:
 * `createMemorySharedState()` for a single process and `createRedisSharedState()` for a fleet.
 * `test/integration/state/shared-state.case.ts` is the executable form of this contract; both run it.
 */
import type { AdmissionRequest, AdmissionResult, BudgetCheck, Reservation } from '../domain/limits/index.ts';

export interface SlidingWindowResult {
  allowed: boolean;
  /** Hits still allowed in the current window after this one. */
  remaining: number;
  /** 0 when allowed; otherwise milliseconds until the oldest hit leaves the window. */
  retryAfterMs: number;
}

export interface SubscribeOptions {
  /**
   * Called when the subscription is re-established after the link to the backend dropped. Pub/sub is
   * at-most-once, so messages sent meanwhile are lost: the subscriber must reload what it caches.
   */
  onResync?: () => void;
}

export type MessageHandler = (message: string) => void;
export type Unsubscribe = () => Promise<void>;

/**
 * Contract for every implementation:
 *
 * - Atomic: each method is one indivisible step against state shared by all instances using the same
 *   backend (and, for Redis, the same key prefix). Concurrent callers on any instance observe a
 *   serial order; no limit is ever exceeded by a race.
 * - Fail closed: when the backend cannot answer, every method except `close` rejects promptly (no
 *   unbounded queueing) with `StateUnavailableError`; callers answer 503, never admit. Recovery is
 *   automatic: calls succeed again once the backend is back, without a restart.
 * - One clock: time-based decisions use the backend's clock (Redis `TIME`), never the caller's, so
 *   clock skew between instances cannot widen a window.
 * - Programmer errors (malformed requests, negative amounts) reject with `RangeError` and change
 *   nothing.
 */
export interface SharedState {
  /**
   * Decides one request against every check its scopes declare (requests and tokens per minute,
   * concurrency, budgets), all-or-nothing: on denial nothing is consumed. On admission the
   * request's estimate is reserved against TPM and every budget, and a concurrency lease with
   * `leaseTtlMs` is taken at each level that limits concurrency.
   *
   * Budget counters are a cache of the durable ledger. A budget whose counter was never built for its current
   * limits (first set, changed, expired) or was lost (Redis restarted or flushed: a new generation) rejects with
   * `BudgetCountersStaleError` naming each such budget, consuming nothing: rebuild them, then admit again.
   */
  admit(request: AdmissionRequest): Promise<AdmissionResult>;

  /**
   * Sets one budget's counter for the current window to `spend` (the ledger's, plus requests in flight), built for
   * `check`'s limits and the current generation. A no-op when another caller already rebuilt it.
   */
  rebuildBudget(check: BudgetCheck, spend: { tokens: number; costUsd: number }): Promise<void>;

  /**
   * Ends an admission: releases its leases and corrects TPM and budget counters by
   * (actual − reserved). Call it exactly once per admission, on every path (success, upstream
   * failure, aborted stream); a repeated call for the same reservation is a no-op, and so is a call more
   * than `OPEN_RESERVATION_TTL_MS` after the admission (the reservation then stays charged). Budget
   * corrections apply to the window the admission was charged to, and are dropped if that window
   * has already rolled over.
   */
  settle(reservation: Reservation, actual: { tokens: number; costUsd: number }): Promise<void>;

  /** Extends the reservation's leases to `ttlMs` from now (long streams); a no-op for released ones. */
  renewLeases(reservation: Reservation, ttlMs: number): Promise<void>;

  /** One hit against an exact sliding window of `limit` hits per `windowMs` (vault per-agent limits). */
  slidingWindowHit(key: string, limit: number, windowMs: number): Promise<SlidingWindowResult>;

  /**
   * Counts one use of `key`, which lives `ttlMs` from its first use; true while uses ≤ `maxUses`.
   * Replay defence for capability `jti`s: a token seen more often than allowed is refused everywhere.
   */
  consumeOnce(key: string, ttlMs: number, maxUses?: number): Promise<boolean>;

  /** Takes `key` for `ttlMs` if nobody holds it; resolves to the holder's token, or null. */
  tryLock(key: string, ttlMs: number): Promise<string | null>;

  /** Releases `key` only if `token` still holds it (a lock that expired and was retaken is left alone). */
  unlock(key: string, token: string): Promise<boolean>;

  /** Sends `message` to every subscriber of `channel` on every instance, this one included. */
  publish(channel: string, message: string): Promise<void>;

  /** Delivers `channel` messages to `handler` until the returned function is called. */
  subscribe(channel: string, handler: MessageHandler, options?: SubscribeOptions): Promise<Unsubscribe>;

  /** Resolves when the backend answers; for readiness probes. */
  ping(): Promise<void>;

  /** Releases connections and timers. Idempotent. */
  close(): Promise<void>;
}
