/**
 * @module Budget utilisation for `gatehouse_budget_utilization_ratio`: spend in each budget's current window over
 * the budget, for every tenant and team that has one (its own settings or the config's defaults). Read from the
 * durable ledger, so every instance reports the same, cluster-wide number, on a timer off the request path; a
 * scrape reads the last result and never waits on the store. Key budgets are left out: a per-key series would
 * put key ids into labels, which the metrics never carry.
 */
import type { BudgetLimit, BudgetWindow, LimitLevel, ScopeRef } from '../domain/limits/index.ts';
import type { ScopeLimitCompiler } from './scope-limits.ts';
import type { ScopeSettingsSnapshot } from './scope-settings-snapshot.ts';

export interface BudgetUtilization {
  level: Exclude<LimitLevel, 'key'>;
  id: string;
  budget: 'tokens' | 'usd';
  window: BudgetWindow;
  /** Spend over budget: 1 is spent; above 1 when requests in flight overran it. */
  ratio: number;
}

export interface BudgetUtilizationOptions {
  settings: ScopeSettingsSnapshot;
  compiler: ScopeLimitCompiler;
  ledgerSpend(scope: ScopeRef, window: BudgetWindow): Promise<{ tokens: number; costUsd: number }>;
  /** Between ledger reads; each reads one sum per budgeted scope and window. */
  intervalMs: number;
  onError(error: unknown): void;
}

export class BudgetUtilizationTracker {
  readonly #options: BudgetUtilizationOptions;
  #current: readonly BudgetUtilization[] = [];
  #timer: NodeJS.Timeout | null = null;
  #running: Promise<void> | null = null;

  constructor(options: BudgetUtilizationOptions) {
    this.#options = options;
  }

  /** The last reading: what a scrape reports. */
  get current(): readonly BudgetUtilization[] {
    return this.#current;
  }

  start(): void {
    this.#timer ??= setInterval(() => {
      this.refresh().catch(this.#options.onError);
    }, this.#options.intervalMs);
    this.#timer.unref();
  }

  stop(): void {
    if (this.#timer !== null) clearInterval(this.#timer);
    this.#timer = null;
  }

  /** Reads the ledger now; concurrent callers share one reading. */
  refresh(): Promise<void> {
    this.#running ??= this.#read().finally(() => {
      this.#running = null;
    });
    return this.#running;
  }

  async #read(): Promise<void> {
    const { settings, compiler } = this.#options;
    const next: BudgetUtilization[] = [];
    const levels: Array<[BudgetUtilization['level'], Iterable<string>]> = [
      ['tenant', settings.tenantIds()],
      ['team', settings.teamIds()],
    ];
    for (const [level, ids] of levels) {
      for (const id of ids) {
        const source = level === 'tenant' ? settings.tenant(id) : settings.team(id);
        const budgets = compiler.compile(level, id, source).base?.budgets;
        if (budgets !== undefined) await this.#readScope(level, id, budgets, next);
      }
    }
    this.#current = next;
  }

  async #readScope(
    level: BudgetUtilization['level'],
    id: string,
    budgets: readonly BudgetLimit[],
    into: BudgetUtilization[],
  ): Promise<void> {
    for (const budget of budgets) {
      const spend = await this.#options.ledgerSpend({ level, id }, budget.window);
      // A zero budget is fully spent from the start (it blocks every request).
      if (budget.maxTokens !== undefined) {
        const ratio = budget.maxTokens === 0 ? 1 : spend.tokens / budget.maxTokens;
        into.push({ level, id, budget: 'tokens', window: budget.window, ratio });
      }
      if (budget.maxUsd !== undefined) {
        const ratio = budget.maxUsd === 0 ? 1 : spend.costUsd / budget.maxUsd;
        into.push({ level, id, budget: 'usd', window: budget.window, ratio });
      }
    }
  }
}
