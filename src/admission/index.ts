/**
 * @module Admission control for the gateway (issue 4): rate limits, concurrency caps and token/cost budgets over
 * tenant → team → key (and per model), decided atomically in the shared state, settled with actual usage, and
 * recorded in the durable spend ledger.
 *
 * @example
 * const limits = createAdmissionService({ config, store, logger });
 * await limits.start();
 * buildApp({ pipeline: { …, admission: limits.admission }, … });
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
export { denialError, describeScope, formatResetDuration, type HeaderSink, writeRateHeaders } from './responses.ts';
export {
  type CompiledScope,
  compileScopeSettings,
  InvalidLimitSettingsError,
  ScopeLimitCompiler,
} from './scope-limits.ts';
export { ScopeSettingsSnapshot, type ScopeSettingsSnapshotOptions } from './scope-settings-snapshot.ts';
export {
  buildUsageReport,
  parseGroupBy,
  toUtcDay,
  UsageQueryError,
  type UsageReport,
  type UsageReportInput,
  type UsageTotals,
} from './usage-report.ts';
