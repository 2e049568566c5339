/**
 * @module From operator settings to the domain's `LimitPolicy`. A level's own settings win field by field over the
 * config file's defaults for that level; a level with neither limits nor budgets compiles to null and costs the hot
 * path nothing. Compiled policies are cached per settings object: snapshots hand out the same object until the
 * row changes, so the cache never serves a stale policy and needs no invalidation.
 */
import { TypeCompiler } from '@sinclair/typebox/compiler';
import type { BudgetLimit, LimitLevel, LimitPolicy } from '../domain/limits/index.ts';
import {
  type LimitsConfig,
  type ScopeBudgets,
  type ScopeLimitSettings,
  ScopeLimitSettingsSchema,
  type ScopeLimits,
} from './config-schema.ts';

/** A level's compiled limits: the level-wide policy and any per-model policies. */
export interface CompiledScope {
  base: LimitPolicy | null;
  models: ReadonlyMap<string, LimitPolicy>;
}

const EMPTY: CompiledScope = { base: null, models: new Map() };
const checkSettings = TypeCompiler.Compile(ScopeLimitSettingsSchema);

/** Stored limits that do not validate: admission refuses rather than guess (fail closed). */
export class InvalidLimitSettingsError extends Error {
  constructor(level: LimitLevel, id: string, detail: string) {
    super(`limit settings of ${level} ${id} are invalid: ${detail}`);
    this.name = 'InvalidLimitSettingsError';
  }
}

function ratePolicy(limits: Omit<ScopeLimits, 'models'>): LimitPolicy {
  const policy: LimitPolicy = {};
  if (limits.rpm !== undefined) policy.requestsPerMinute = limits.rpm;
  if (limits.rpm_burst !== undefined) policy.requestBurst = limits.rpm_burst;
  if (limits.tpm !== undefined) policy.tokensPerMinute = limits.tpm;
  if (limits.tpm_burst !== undefined) policy.tokenBurst = limits.tpm_burst;
  if (limits.max_parallel !== undefined) policy.maxConcurrency = limits.max_parallel;
  return policy;
}

function budgetList(budgets: ScopeBudgets): BudgetLimit[] {
  const list: BudgetLimit[] = [];
  for (const window of ['daily', 'monthly', 'total'] as const) {
    const maxTokens = budgets[`tokens_${window}`];
    const maxUsd = budgets[`usd_${window}`];
    if (maxTokens === undefined && maxUsd === undefined) continue;
    const budget: BudgetLimit = { window };
    if (maxTokens !== undefined) budget.maxTokens = maxTokens;
    if (maxUsd !== undefined) budget.maxUsd = maxUsd;
    list.push(budget);
  }
  return list;
}

function isEmpty(policy: LimitPolicy): boolean {
  return Object.keys(policy).length === 0;
}

/** Merges a level's settings over its defaults and compiles them. */
export function compileScopeSettings(settings: ScopeLimitSettings, defaults: ScopeLimitSettings = {}): CompiledScope {
  const limits: ScopeLimits = { ...defaults.limits, ...settings.limits };
  const budgets: ScopeBudgets = { ...defaults.budgets, ...settings.budgets };
  const { models, ...rates } = limits;
  const base = ratePolicy(rates);
  const list = budgetList(budgets);
  if (list.length > 0) base.budgets = list;
  const compiledModels = new Map<string, LimitPolicy>();
  for (const [model, modelLimits] of Object.entries(models ?? {})) {
    const policy = ratePolicy(modelLimits);
    if (!isEmpty(policy)) compiledModels.set(model, policy);
  }
  if (isEmpty(base) && compiledModels.size === 0) return EMPTY;
  return { base: isEmpty(base) ? null : base, models: compiledModels };
}

/** Compiles settings objects on first use and remembers the result for as long as the object lives. */
export class ScopeLimitCompiler {
  readonly #defaults: Readonly<Record<LimitLevel, ScopeLimitSettings>>;
  readonly #cache: Record<LimitLevel, WeakMap<object, CompiledScope>> = {
    tenant: new WeakMap(),
    team: new WeakMap(),
    key: new WeakMap(),
  };

  constructor(config: LimitsConfig = {}) {
    const defaults = config.defaults ?? {};
    this.#defaults = { tenant: defaults.tenant ?? {}, team: defaults.team ?? {}, key: defaults.key ?? {} };
  }

  /** Throws `InvalidLimitSettingsError` when the stored settings do not match the schema. */
  compile(level: LimitLevel, id: string, settings: Readonly<Record<string, unknown>> | undefined): CompiledScope {
    const source = settings ?? EMPTY_SETTINGS;
    const cached = this.#cache[level].get(source);
    if (cached !== undefined) return cached;
    if (!checkSettings.Check(source)) {
      const first = checkSettings.Errors(source).First();
      throw new InvalidLimitSettingsError(level, id, `${first?.path || '/'} ${first?.message ?? 'is invalid'}`);
    }
    const compiled = compileScopeSettings(source, this.#defaults[level]);
    this.#cache[level].set(source, compiled);
    return compiled;
  }
}

const EMPTY_SETTINGS: Readonly<Record<string, unknown>> = Object.freeze({});
