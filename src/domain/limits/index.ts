/**
 * @module Limits: GCRA rate limits, concurrency and budget checks, budget windows, token estimates and
 * cost (DESIGN §1 "limits · budgets · tokens estimate"). Pure: the state backends in `src/state/`
 * hold the counters and run these checks atomically.
 *
 * @example
 * const estimate = estimateReservation(body, { defaultMaxOutputTokens: 1024 });
 * const result = await state.admit({
 *   scopes: [
 *     { level: 'tenant', id: tenantId, limits: tenant.limits },
 *     { level: 'team', id: teamId, limits: team.limits },
 *     { level: 'key', id: keyId, limits: key.limits },
 *   ],
 *   tokens: estimate.totalTokens,
 *   costUsd: estimateCost(prices, model, estimate),
 * });
 * if (!result.admitted) // → 429 naming result.denial.scope / kind / window, Retry-After
 */

export {
  type AdmissionPlan,
  type AdmissionRequest,
  type BudgetCheck,
  type BudgetLimit,
  budgetKey,
  compileAdmission,
  DEFAULT_LEASE_TTL_MS,
  type LeaseCheck,
  type LimitLevel,
  type LimitPolicy,
  type LimitScope,
  type RateCheck,
  type RateKind,
  type ScopeRef,
  scopeKey,
} from './admission.ts';
export {
  type AdmissionDenial,
  type AdmissionOutcomes,
  type AdmissionResult,
  assembleAdmission,
  type BudgetOutcome,
  type BudgetUnit,
  CONCURRENCY_RETRY_AFTER_MS,
  ceilMs,
  checkBudget,
  type DenialKind,
  type LeaseOutcome,
  type RateHeaders,
  type RateOutcome,
  type RateWindowInfo,
  type Reservation,
  USD_EPSILON,
} from './admission-result.ts';
export {
  computeCost,
  costAt,
  estimateCost,
  findPrice,
  type ModelPrice,
  type PriceTable,
  type TokenUsage,
} from './cost.ts';
export {
  type CallEstimate,
  CHARS_PER_TOKEN,
  estimateCall,
  estimatePromptTokens,
  estimateReservation,
  IMAGE_PART_TOKENS,
  MESSAGE_OVERHEAD_TOKENS,
  REPLY_PRIMING_TOKENS,
  type ReservationDefaults,
  type TokenReservation,
} from './estimate.ts';
export {
  adjustGcraState,
  checkGcra,
  createGcraParams,
  GCRA_EPSILON_MS,
  type GcraDecision,
  type GcraParams,
  type GcraState,
  MINUTE_MS,
  owedAt,
} from './gcra.ts';
export { aggregateLedgerDeltas, type LedgerDelta, utcDay } from './ledger.ts';
export { PriceBook, type PriceEntry, type PriceSource } from './price-book.ts';
export { DEFAULT_PRICES, effectivePrices } from './price-defaults.ts';
export {
  BudgetLimitSchema,
  LimitPolicySchema,
  ModelPriceSchema,
  PriceInputSchema,
  PriceTableSchema,
} from './schemas.ts';
export { BUDGET_WINDOWS, type BudgetWindow, isBudgetWindow, windowKey, windowResetAt } from './windows.ts';
