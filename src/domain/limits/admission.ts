/**
 * @module Admission requests and their compilation into checks. Limits inherit tenant → team → key
 * (DESIGN §3) and every level is enforced: the caller lists one `LimitScope` per level, plus one per
 * level with a `model` for per-model limits, and the state backend decides all of them at once.
 * `compileAdmission` turns that into flat check lists that both backends execute identically.
 */
import { randomUUID } from 'node:crypto';
import { createGcraParams, type GcraParams } from './gcra.ts';
import { type BudgetWindow, isBudgetWindow } from './windows.ts';

export type LimitLevel = 'tenant' | 'team' | 'key';

/** Names one limited subject: a level, its id, and optionally a model within it. */
export interface ScopeRef {
  level: LimitLevel;
  id: string;
  model?: string;
}

export interface BudgetLimit {
  window: BudgetWindow;
  maxTokens?: number;
  maxUsd?: number;
}

/** Limits at one scope. Absent means unlimited; no budget set never blocks. */
export interface LimitPolicy {
  requestsPerMinute?: number;
  /** Requests admitted at once from idle; defaults to requestsPerMinute. */
  requestBurst?: number;
  tokensPerMinute?: number;
  /** Tokens admitted at once from idle; defaults to tokensPerMinute. */
  tokenBurst?: number;
  maxConcurrency?: number;
  budgets?: readonly BudgetLimit[];
}

export interface LimitScope extends ScopeRef {
  limits: LimitPolicy;
}

export interface AdmissionRequest {
  /** Reservation id, e.g. the request id; a random UUID when absent. */
  id?: string;
  scopes: readonly LimitScope[];
  /** Reserved token estimate (prompt + output ceiling), charged to TPM and token budgets. */
  tokens: number;
  /** Reserved USD estimate, charged to USD budgets. */
  costUsd: number;
  /** Concurrency lease lifetime; a crashed instance's slot frees itself after this. */
  leaseTtlMs?: number;
}

export type RateKind = 'requests' | 'tokens';

export interface RateCheck {
  kind: RateKind;
  scope: ScopeRef;
  key: string;
  limit: number;
  params: GcraParams;
  cost: number;
}

export interface LeaseCheck {
  scope: ScopeRef;
  key: string;
  limit: number;
}

export interface BudgetCheck {
  scope: ScopeRef;
  key: string;
  window: BudgetWindow;
  maxTokens: number | null;
  maxUsd: number | null;
}

export interface AdmissionPlan {
  id: string;
  tokens: number;
  costUsd: number;
  leaseTtlMs: number;
  rates: RateCheck[];
  leases: LeaseCheck[];
  budgets: BudgetCheck[];
}

/** Five minutes covers a long stream; callers renew for longer ones. */
export const DEFAULT_LEASE_TTL_MS = 300_000;

const LEVELS: ReadonlySet<string> = new Set(['tenant', 'team', 'key']);
const WINDOW_CODES: Readonly<Record<BudgetWindow, string>> = { daily: 'd', monthly: 'm', total: 't' };

function positive(value: number | undefined, what: string): number | null {
  if (value === undefined) return null;
  if (!Number.isFinite(value) || value <= 0) throw new RangeError(`${what} must be a positive number, got ${value}`);
  return value;
}

function nonNegative(value: number | undefined, what: string): number | null {
  if (value === undefined) return null;
  if (!Number.isFinite(value) || value < 0) throw new RangeError(`${what} must be a number >= 0, got ${value}`);
  return value;
}

/** Stable, collision-free storage key of a scope; ids and model names are percent-encoded. */
export function scopeKey(scope: ScopeRef): string {
  if (!LEVELS.has(scope.level)) throw new RangeError(`unknown limit level: ${String(scope.level)}`);
  if (typeof scope.id !== 'string' || scope.id.length === 0)
    throw new RangeError('scope id must be a non-empty string');
  const base = `${scope.level}/${encodeURIComponent(scope.id)}`;
  return scope.model === undefined ? base : `${base}/${encodeURIComponent(scope.model)}`;
}

/** Storage key of the budget counters for `scope` and `window`. */
export function budgetKey(scope: ScopeRef, window: BudgetWindow): string {
  return `b:${scopeKey(scope)}:${WINDOW_CODES[window]}`;
}

function toScopeRef(scope: LimitScope): ScopeRef {
  return scope.model === undefined
    ? { level: scope.level, id: scope.id }
    : { level: scope.level, id: scope.id, model: scope.model };
}

/** Validates a request and lists every check it needs. Throws RangeError on malformed input. */
export function compileAdmission(request: AdmissionRequest): AdmissionPlan {
  const tokens = nonNegative(request.tokens, 'tokens') ?? 0;
  const costUsd = nonNegative(request.costUsd, 'costUsd') ?? 0;
  const leaseTtlMs = positive(request.leaseTtlMs, 'leaseTtlMs') ?? DEFAULT_LEASE_TTL_MS;
  const plan: AdmissionPlan = {
    // randomUUID draws from a pooled entropy buffer: ~20x cheaper here than uuidv7's randomBytes(16).
    id: request.id ?? randomUUID(),
    tokens: Math.ceil(tokens),
    costUsd,
    leaseTtlMs: Math.ceil(leaseTtlMs),
    rates: [],
    leases: [],
    budgets: [],
  };
  if (plan.id.length === 0) throw new RangeError('reservation id must be non-empty');
  const seen = new Set<string>();
  for (const scope of request.scopes) {
    const key = scopeKey(scope);
    // Two entries for one scope would be checked against the same pre-admission state and both pass.
    if (seen.has(key)) throw new RangeError(`duplicate limit scope: ${key}`);
    seen.add(key);
    compileScope(plan, scope, key);
  }
  return plan;
}

function compileScope(plan: AdmissionPlan, scope: LimitScope, key: string): void {
  const limits = scope.limits;
  const ref = toScopeRef(scope);
  const rpm = positive(limits.requestsPerMinute, 'requestsPerMinute');
  if (rpm !== null) {
    const burst = positive(limits.requestBurst, 'requestBurst') ?? rpm;
    const params = createGcraParams(rpm, burst);
    plan.rates.push({ kind: 'requests', scope: ref, key: `r:${key}:q`, limit: rpm, params, cost: 1 });
  }
  const tpm = positive(limits.tokensPerMinute, 'tokensPerMinute');
  if (tpm !== null) {
    const burst = positive(limits.tokenBurst, 'tokenBurst') ?? tpm;
    const params = createGcraParams(tpm, burst);
    plan.rates.push({ kind: 'tokens', scope: ref, key: `r:${key}:t`, limit: tpm, params, cost: plan.tokens });
  }
  const concurrency = positive(limits.maxConcurrency, 'maxConcurrency');
  if (concurrency !== null) {
    if (!Number.isInteger(concurrency)) throw new RangeError(`maxConcurrency must be an integer, got ${concurrency}`);
    plan.leases.push({ scope: ref, key: `c:${key}`, limit: concurrency });
  }
  const windows = new Set<BudgetWindow>();
  for (const budget of limits.budgets ?? []) {
    if (!isBudgetWindow(budget.window)) throw new RangeError(`unknown budget window: ${String(budget.window)}`);
    if (windows.has(budget.window)) throw new RangeError(`duplicate ${budget.window} budget for ${key}`);
    windows.add(budget.window);
    const maxTokens = nonNegative(budget.maxTokens, 'maxTokens');
    const maxUsd = nonNegative(budget.maxUsd, 'maxUsd');
    if (maxTokens === null && maxUsd === null) continue;
    plan.budgets.push({ scope: ref, key: budgetKey(ref, budget.window), window: budget.window, maxTokens, maxUsd });
  }
}
