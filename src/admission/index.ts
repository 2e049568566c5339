/**
 * @module Admission control for the gateway (issue 4): rate limits, concurrency caps and token/cost budgets over
 * tenant → team → key (and per model), decided atomically in the shared state, settled with actual usage, and
 * recorded in the durable spend ledger.
 *
 * @example
 * const limits = createAdmissionService({ config, store, logger });
 * await limits.start();
 * const decision = await limits.admission.admit({ requestId, principal, metering: 'tokens', model, … });
 * // when the request ends: measure (the ledger delta goes with the audit event), then, once committed, settle
 * const { delta, costUsd } = limits.admission.measure(ticket, outcome);
 * await limits.admission.settle(ticket);
 * // on shutdown, after the server closed:
 * await limits.close();
 */

export {
  type AdmissionService,
  type AdmissionServiceOptions,
  createAdmissionService,
  createSharedState,
} from './admission-service.ts';
export { AdmissionTicket } from './admission-ticket.ts';
export {
  type BudgetFilter,
  type BudgetScope,
  type BudgetStatus,
  readBudgetStatus,
  readBudgetStatusFor,
} from './budget-status.ts';
export { type BudgetUtilization, BudgetUtilizationTracker } from './budget-utilization.ts';
export {
  type LimitsConfig,
  LimitsConfigSchema,
  type PricesConfig,
  PricesConfigSchema,
  type ScopeBudgets,
  ScopeBudgetsSchema,
  type ScopeLimitSettings,
  ScopeLimitSettingsSchema,
  type ScopeLimits,
  ScopeLimitsSchema,
} from './config-schema.ts';
export {
  createGatewayAdmission,
  DEFAULT_MAX_OUTPUT_TOKENS,
  type GatewayAdmissionOptions,
  type ScopeSettingsSource,
} from './gateway-admission.ts';
export { loadScopeSpend } from './ledger-spend.ts';
export {
  addLimitFlags,
  LIMIT_FLAGS,
  type LimitFlagValues,
  mergeLimitSettings,
  parseLimitFlags,
} from './limit-options.ts';
export {
  type CompiledScope,
  compileScopeSettings,
  InvalidLimitSettingsError,
  ScopeLimitCompiler,
} from './scope-limits.ts';
export { ScopeSettingsSnapshot, type ScopeSettingsSnapshotOptions } from './scope-settings-snapshot.ts';
export {
  type Admission,
  type AdmissionCall,
  type AdmissionDecision,
  type AdmissionLogger,
  type AdmissionRefusal,
  type Measurement,
  type Metering,
  openAdmission,
  type ReservationSummary,
  type SettleOutcome,
} from './types.ts';
export {
  buildUsageReport,
  parseGroupBy,
  toUtcDay,
  UsageQueryError,
  type UsageReport,
  type UsageReportInput,
  type UsageTotals,
} from './usage-report.ts';
