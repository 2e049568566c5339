/**
 * @module Turning raw per-check outcomes into an admission result. Both state backends produce the
 * same `AdmissionOutcomes` (memory directly, Redis from its Lua reply) and share this assembly, so
 * the choice of denial, the reservation and the rate headers cannot drift between them.
 */
import type { AdmissionPlan, BudgetCheck, RateKind, ScopeRef } from './admission.ts';
import { type BudgetWindow, windowResetAt } from './windows.ts';

export type BudgetUnit = 'tokens' | 'usd';

export interface RateOutcome {
  allowed: boolean;
  remaining: number;
  resetMs: number;
  retryAfterMs: number | null;
}

export interface LeaseOutcome {
  allowed: boolean;
  inUse: number;
}

export interface BudgetOutcome {
  allowed: boolean;
  deniedUnit: BudgetUnit | null;
  /** The window the counters were read from, fixed at admission so settle corrects the same one. */
  windowKey: string;
}

export interface AdmissionOutcomes {
  /** The decision clock, epoch ms (Redis `TIME` for the Redis backend). */
  now: number;
  rates: RateOutcome[];
  leases: LeaseOutcome[];
  budgets: BudgetOutcome[];
}

/**
 * What `settle` needs to undo or correct an admission. Plain JSON, so it may cross a process
 * boundary; only meaningful to the backend that issued it.
 */
export interface Reservation {
  id: string;
  tokens: number;
  costUsd: number;
  leases: string[];
  tokenBuckets: { key: string; emissionMs: number }[];
  budgets: { key: string; windowKey: string }[];
}

export interface RateWindowInfo {
  limit: number;
  remaining: number;
  /** Milliseconds until the bucket is full again (OpenAI `x-ratelimit-reset-*` semantics). */
  resetMs: number;
}

/** Values for `x-ratelimit-*` headers, from the tightest level; null when no level limits that kind. */
export interface RateHeaders {
  requests: RateWindowInfo | null;
  tokens: RateWindowInfo | null;
}

export type DenialKind = RateKind | 'concurrency' | 'budget';

/** Why a request was refused, precise enough for a 429 body that names the limit. */
export interface AdmissionDenial {
  scope: ScopeRef;
  kind: DenialKind;
  limit: number;
  /** Budget denials only. */
  unit: BudgetUnit | null;
  window: BudgetWindow | null;
  /** Null when waiting cannot help: a reservation larger than the burst, or a `total` budget. */
  retryAfterMs: number | null;
  /** Epoch ms when the limit resets; null when unknown or never. */
  resetAt: number | null;
}

export type AdmissionResult =
  | { admitted: true; reservation: Reservation; rate: RateHeaders }
  | { admitted: false; denial: AdmissionDenial };

/** A lease frees when its holder finishes, which no counter can predict; this is a polling hint. */
export const CONCURRENCY_RETRY_AFTER_MS = 1_000;

/**
 * Whole milliseconds for headers and Retry-After, rounded up, ignoring sub-microsecond float noise:
 * near epoch 1.7e12 a double is only exact to ~2.4e-4 ms, so `(now + 2400) - now` may be 2400.0001.
 */
export function ceilMs(value: number): number {
  return Math.max(0, Math.ceil(value - 1e-3));
}

/** USD comparisons allow a nano-dollar so that 0.1 + 0.2 still fits a 0.3 budget. */
export const USD_EPSILON = 1e-9;

/** Which unit, if any, the reservation would push past the budget. Zero-amount units are not checked. */
export function checkBudget(
  used: { tokens: number; usd: number },
  check: BudgetCheck,
  tokens: number,
  usd: number,
): BudgetUnit | null {
  if (check.maxTokens !== null && tokens > 0 && used.tokens + tokens > check.maxTokens) return 'tokens';
  if (check.maxUsd !== null && usd > 0 && used.usd + usd > check.maxUsd + USD_EPSILON) return 'usd';
  return null;
}

function longerWait(current: AdmissionDenial | null, next: AdmissionDenial): AdmissionDenial {
  if (current === null || next.retryAfterMs === null) return next;
  if (current.retryAfterMs === null) return current;
  return next.retryAfterMs > current.retryAfterMs ? next : current;
}

/** Among failed checks, the one with the longest wait: retrying before it ends cannot succeed. */
function collectDenial(plan: AdmissionPlan, outcomes: AdmissionOutcomes): AdmissionDenial | null {
  const now = outcomes.now;
  let denial: AdmissionDenial | null = null;
  for (let i = 0; i < plan.rates.length; i++) {
    const check = plan.rates[i]!;
    const outcome = outcomes.rates[i];
    if (outcome === undefined || outcome.allowed) continue;
    const wait = outcome.retryAfterMs === null ? null : ceilMs(outcome.retryAfterMs);
    const resetAt = wait === null ? null : now + wait;
    denial = longerWait(denial, {
      scope: check.scope,
      kind: check.kind,
      limit: check.limit,
      unit: null,
      window: null,
      retryAfterMs: wait,
      resetAt,
    });
  }
  for (let i = 0; i < plan.leases.length; i++) {
    const check = plan.leases[i]!;
    const outcome = outcomes.leases[i];
    if (outcome === undefined || outcome.allowed) continue;
    denial = longerWait(denial, {
      scope: check.scope,
      kind: 'concurrency',
      limit: check.limit,
      unit: null,
      window: null,
      retryAfterMs: CONCURRENCY_RETRY_AFTER_MS,
      resetAt: null,
    });
  }
  for (let i = 0; i < plan.budgets.length; i++) {
    const check = plan.budgets[i]!;
    const outcome = outcomes.budgets[i];
    if (outcome === undefined || outcome.allowed) continue;
    const unit = outcome.deniedUnit ?? 'tokens';
    const resetAt = windowResetAt(check.window, now);
    denial = longerWait(denial, {
      scope: check.scope,
      kind: 'budget',
      limit: (unit === 'usd' ? check.maxUsd : check.maxTokens) ?? 0,
      unit,
      window: check.window,
      retryAfterMs: resetAt === null ? null : ceilMs(resetAt - now),
      resetAt,
    });
  }
  return denial;
}

/** The level with the fewest units left; on a tie, the one that takes longest to refill. */
function tightest(plan: AdmissionPlan, outcomes: AdmissionOutcomes, kind: RateKind): RateWindowInfo | null {
  let best: RateWindowInfo | null = null;
  for (let i = 0; i < plan.rates.length; i++) {
    const check = plan.rates[i]!;
    const outcome = outcomes.rates[i];
    if (check.kind !== kind || outcome === undefined) continue;
    const resetMs = ceilMs(outcome.resetMs);
    if (
      best === null ||
      outcome.remaining < best.remaining ||
      (outcome.remaining === best.remaining && resetMs > best.resetMs)
    ) {
      best = { limit: check.limit, remaining: outcome.remaining, resetMs };
    }
  }
  return best;
}

/** The admission result for `plan` given every check's outcome; all-or-nothing, like the backends. */
export function assembleAdmission(plan: AdmissionPlan, outcomes: AdmissionOutcomes): AdmissionResult {
  const denial = collectDenial(plan, outcomes);
  if (denial !== null) return { admitted: false, denial };
  const reservation: Reservation = {
    id: plan.id,
    tokens: plan.tokens,
    costUsd: plan.costUsd,
    leases: [],
    tokenBuckets: [],
    budgets: [],
  };
  for (const check of plan.leases) reservation.leases.push(check.key);
  for (const check of plan.rates) {
    if (check.kind === 'tokens') reservation.tokenBuckets.push({ key: check.key, emissionMs: check.params.emissionMs });
  }
  for (let i = 0; i < plan.budgets.length; i++) {
    reservation.budgets.push({ key: plan.budgets[i]!.key, windowKey: outcomes.budgets[i]?.windowKey ?? '' });
  }
  const rate = { requests: tightest(plan, outcomes, 'requests'), tokens: tightest(plan, outcomes, 'tokens') };
  return { admitted: true, reservation, rate };
}
