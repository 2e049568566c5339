/**
 * @module The one error the state layer throws for a dependency that is down. `http/` maps it to the
 * catalog's 503 (DESIGN §2.3, fail closed): a limiter that cannot count must not admit.
 */

import type { BudgetCheck } from '../domain/limits/index.ts';

const BRAND = Symbol.for('gatehouse.StateUnavailableError');

export class StateUnavailableError extends Error {
  /** Stable code for the error catalog. */
  readonly code = 'state_unavailable';
  readonly statusCode = 503;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StateUnavailableError';
  }

  // A brand keeps `instanceof` true across duplicate copies of this module (undici's errors do the same).
  static override [Symbol.hasInstance](value: unknown): boolean {
    return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[BRAND] === true;
  }

  get [BRAND](): boolean {
    return true;
  }
}

/**
 * Budget counters that may not match the ledger: never counted since the budget was set or changed, lost with a
 * Redis restart or flush. Not a denial and not an outage: the caller rebuilds each one from the durable ledger
 * (`SharedState.rebuildBudget`) and asks again; until then it must not admit (issue 14).
 */
export class BudgetCountersStaleError extends Error {
  readonly stale: readonly BudgetCheck[];

  constructor(stale: readonly BudgetCheck[]) {
    super(`budget counters need a rebuild from the ledger: ${stale.map((check) => check.key).join(', ')}`);
    this.name = 'BudgetCountersStaleError';
    this.stale = stale;
  }
}

/**
 * What identifies the budget a counter was built for: a counter built for other limits (a budget removed, then set
 * again) may have missed spend meanwhile, so a change of limits means a rebuild.
 */
export function budgetFingerprint(check: Pick<BudgetCheck, 'maxTokens' | 'maxUsd'>): string {
  return `${check.maxTokens ?? ''}/${check.maxUsd ?? ''}`;
}
