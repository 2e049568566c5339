/**
 * @module GCRA (generic cell rate algorithm, ITU-T I.371 / ATM Forum TM 4.0 "virtual scheduling"),
 * the smooth token bucket. The only state per bucket is its theoretical arrival time (TAT, see
 * `GcraState`), so the same arithmetic runs over a Map in memory and over one Redis string inside a Lua script
 * (`src/state/redis-scripts.ts` is a line-by-line port of `checkGcra`; keep the two in step).
 *
 * Envelope: a bucket with rate `limit / periodMs` and `burst` admits at most `burst + W / emissionMs`
 * units in any window of length W. With `burst = 1` that is exactly `limit` per half-open period.
 */

/** Compiled parameters of one bucket. Times are milliseconds. */
export interface GcraParams {
  /** Time one unit "costs": periodMs / limit. */
  emissionMs: number;
  /** How far the TAT may run ahead of now: burst × emissionMs. */
  toleranceMs: number;
}

/**
 * A stored TAT, kept in two parts: TAT = `at` + `debtMs`. Near epoch 1.7e12 ms a double is exact only
 * to ~2.4e-4 ms, so adding a non-integer emission interval to an absolute TAT on every admit drifts
 * (seven admits at limit 7 overshoot the tolerance). The sums happen in `debtMs`, which stays small
 * (≤ the tolerance) and exact to ~1e-11 ms; `at - now` of two nearby doubles is exact.
 */
export interface GcraState {
  /** The instant the debt was computed at (epoch ms). */
  at: number;
  /** Emission time owed beyond `at`: the bucket's "fill level" in ms. */
  debtMs: number;
}

export interface GcraDecision {
  allowed: boolean;
  /** State to store when allowed (as of `now`); unchanged state otherwise. */
  state: GcraState;
  /** Whole units still available right after this decision. */
  remaining: number;
  /** Milliseconds until the bucket is full again. */
  resetMs: number;
  /** Milliseconds until this cost would fit; 0 when allowed; null when it never fits (cost > burst). */
  retryAfterMs: number | null;
}

/** Float slack for the admit comparison: a nanosecond, far below any clock the limiter runs on. */
export const GCRA_EPSILON_MS = 1e-6;

export const MINUTE_MS = 60_000;

/** Builds bucket parameters for `limit` units per `periodMs`, with `burst` units allowed at once. */
export function createGcraParams(limit: number, burst: number = limit, periodMs: number = MINUTE_MS): GcraParams {
  if (!Number.isFinite(limit) || limit <= 0) throw new RangeError(`rate limit must be a positive number, got ${limit}`);
  if (!Number.isFinite(burst) || burst < 1) throw new RangeError(`burst must be a number >= 1, got ${burst}`);
  if (!Number.isFinite(periodMs) || periodMs <= 0) throw new RangeError(`period must be positive, got ${periodMs}`);
  const emissionMs = periodMs / limit;
  return { emissionMs, toleranceMs: burst * emissionMs };
}

/** Emission time still owed at `now`: TAT − now, or 0 when the bucket is full. */
export function owedAt(state: GcraState | null, now: number): number {
  if (state === null) return 0;
  return Math.max(0, state.at - now + state.debtMs);
}

/**
 * Decides whether `cost` units fit at `now` given the stored state (null when the bucket has none,
 * which means full). Pure: the caller stores `decision.state` only when it commits the admission.
 */
export function checkGcra(state: GcraState | null, now: number, params: GcraParams, cost: number): GcraDecision {
  const { emissionMs, toleranceMs } = params;
  const owed = owedAt(state, now);
  const debt = owed + cost * emissionMs;
  if (debt <= toleranceMs + GCRA_EPSILON_MS) {
    return {
      allowed: true,
      state: { at: now, debtMs: debt },
      remaining: Math.max(0, Math.floor((toleranceMs - debt) / emissionMs + GCRA_EPSILON_MS)),
      resetMs: debt,
      retryAfterMs: 0,
    };
  }
  const never = cost * emissionMs > toleranceMs + GCRA_EPSILON_MS;
  return {
    allowed: false,
    state: state ?? { at: now, debtMs: 0 },
    remaining: Math.max(0, Math.floor((toleranceMs - owed) / emissionMs + GCRA_EPSILON_MS)),
    resetMs: owed,
    retryAfterMs: never ? null : debt - toleranceMs,
  };
}

/**
 * Applies a settle-time correction of `delta` units (actual − reserved). A refund may leave nothing
 * owed, which simply means "full"; the caller may then drop the key.
 */
export function adjustGcraState(state: GcraState, delta: number, params: Pick<GcraParams, 'emissionMs'>): GcraState {
  return { at: state.at, debtMs: state.debtMs + delta * params.emissionMs };
}
