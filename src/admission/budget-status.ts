/**
 * @module Each budget's limit, its spend in the current window and what is left, read from the durable spend
 * ledger with the same sums the budget counters are rebuilt from (`ledger-spend.ts`), so the figures are the ones
 * admission enforces, less the reservations of requests still in flight. `gatehouse tenant|team|key limits show`
 * and `GET /admin/v1/usage` both answer from here (issue 14: "`limits show`, the usage API and the console show
 * used and remaining").
 */
import { type BudgetLimit, type BudgetWindow, type LimitLevel, utcDay, windowResetAt } from '../domain/limits/index.ts';
import { keysRepository, NotFoundError, type Store, tenantsRepository } from '../store/index.ts';
import { loadScopeSpend, windowStartDay } from './ledger-spend.ts';
import type { ScopeLimitCompiler } from './scope-limits.ts';

export interface BudgetStatus {
  level: LimitLevel;
  id: string;
  budget: 'tokens' | 'usd';
  window: BudgetWindow;
  /** The first UTC day the window counts (`YYYY-MM-DD`); null for `total`. */
  since: string | null;
  /** When the window ends (RFC 3339, UTC); null for `total`, which never resets. */
  resets_at: string | null;
  limit: number;
  used: number;
  /** Never below 0: requests in flight may overrun a budget, and "minus something left" means nothing to act on. */
  remaining: number;
}

/** One scope and the settings its budgets are compiled from (its own, over the config file's defaults). */
export interface BudgetScope {
  level: LimitLevel;
  id: string;
  settings: Readonly<Record<string, unknown>>;
}

/**
 * The status of every budget of `scope`, tokens before USD, in window order (daily, monthly, total). Empty when
 * the scope has no budget. Throws `InvalidLimitSettingsError` when its stored settings do not validate.
 */
export async function readBudgetStatus(
  store: Store,
  compiler: ScopeLimitCompiler,
  scope: BudgetScope,
  now = Date.now(),
): Promise<BudgetStatus[]> {
  const budgets: readonly BudgetLimit[] = compiler.compile(scope.level, scope.id, scope.settings).base?.budgets ?? [];
  const today = utcDay(now);
  const tokens: BudgetStatus[] = [];
  const usd: BudgetStatus[] = [];
  for (const budget of budgets) {
    const spend = await loadScopeSpend(store, { level: scope.level, id: scope.id }, budget.window, now);
    const resetAt = windowResetAt(budget.window, now);
    const base = {
      level: scope.level,
      id: scope.id,
      window: budget.window,
      since: windowStartDay(budget.window, today),
      resets_at: resetAt === null ? null : new Date(resetAt).toISOString(),
    };
    if (budget.maxTokens !== undefined) {
      const remaining = Math.max(0, budget.maxTokens - spend.tokens);
      tokens.push({ ...base, budget: 'tokens', limit: budget.maxTokens, used: spend.tokens, remaining });
    }
    if (budget.maxUsd !== undefined) {
      const remaining = Math.max(0, budget.maxUsd - spend.costUsd);
      usd.push({ ...base, budget: 'usd', limit: budget.maxUsd, used: spend.costUsd, remaining });
    }
  }
  return [...tokens, ...usd];
}

/** Filters of a usage report: tenant, team and key ids, any of them absent. */
export interface BudgetFilter {
  tenantId?: string;
  teamId?: string;
  keyId?: string;
}

async function orUndefined<T>(lookup: Promise<T>): Promise<T | undefined> {
  try {
    return await lookup;
  } catch (error) {
    if (error instanceof NotFoundError) return undefined;
    throw error;
  }
}

/**
 * The scopes whose budgets govern the requests `filter` selects: a key, its team and its tenant; a team and its
 * tenant; or a tenant. Null when the filter names no scope, names one that does not exist, or names scopes that do
 * not nest. That last check is a tenant boundary: the tenant filter of a tenant-bound caller is its own tenant, so
 * a key or team id of another tenant yields nothing rather than that tenant's budgets.
 */
async function resolveBudgetScopes(store: Store, filter: BudgetFilter): Promise<BudgetScope[] | null> {
  const db = store.read;
  let tenantId = filter.tenantId;
  let teamId = filter.teamId;
  const scopes: BudgetScope[] = [];
  if (filter.keyId !== undefined) {
    const key = await orUndefined(keysRepository.findKey(db, filter.keyId));
    // findKey also matches a display prefix; the ledger filter is by id, so only the id names this key here.
    if (key === undefined || key.id !== filter.keyId) return null;
    if ((tenantId !== undefined && key.tenantId !== tenantId) || (teamId !== undefined && key.teamId !== teamId))
      return null;
    scopes.push({ level: 'key', id: key.id, settings: key.settings });
    tenantId = key.tenantId;
    teamId = key.teamId;
  }
  if (teamId !== undefined) {
    const team = await tenantsRepository.findTeamById(db, teamId);
    if (team === undefined || (tenantId !== undefined && team.tenantId !== tenantId)) return null;
    scopes.push({ level: 'team', id: team.id, settings: team.settings });
    tenantId = team.tenantId;
  }
  if (tenantId === undefined) return null;
  const tenant = await orUndefined(tenantsRepository.findTenant(db, tenantId));
  if (tenant === undefined || tenant.id !== tenantId) return null;
  scopes.push({ level: 'tenant', id: tenant.id, settings: tenant.settings });
  return scopes;
}

/**
 * Every budget that applies to the requests `filter` selects, most specific scope first (key, team, tenant); null
 * when the filter does not name one scope (see `resolveBudgetScopes`).
 */
export async function readBudgetStatusFor(
  store: Store,
  compiler: ScopeLimitCompiler,
  filter: BudgetFilter,
  now = Date.now(),
): Promise<BudgetStatus[] | null> {
  const scopes = await resolveBudgetScopes(store, filter);
  if (scopes === null) return null;
  const status: BudgetStatus[] = [];
  for (const scope of scopes) status.push(...(await readBudgetStatus(store, compiler, scope, now)));
  return status;
}
