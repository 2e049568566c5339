/**
 * @module Everything admission needs at runtime, built once at startup: the shared state (Redis when `REDIS_URL`
 * is set, else in-process), the tenant/team settings snapshot, the spend ledger and the `Admission` itself.
 * Budget counters are a cache of the ledger: each is rebuilt from it before it first counts (at start, after a
 * Redis restart or flush, when a budget is set or changed), by the admission itself; see `gateway-admission.ts`.
 */
import type { Logger } from 'pino';
import type { GatehouseConfig } from '../config/index.ts';
import { PriceBook } from '../domain/limits/index.ts';
import { createMemorySharedState, createRedisSharedState, type SharedState } from '../state/index.ts';
import type { Store } from '../store/index.ts';
import { BudgetUtilizationTracker } from './budget-utilization.ts';
import { createGatewayAdmission } from './gateway-admission.ts';
import { loadScopeSpend } from './ledger-spend.ts';
import { ScopeLimitCompiler } from './scope-limits.ts';
import { ScopeSettingsSnapshot } from './scope-settings-snapshot.ts';
import type { Admission } from './types.ts';

export interface AdmissionService {
  readonly state: SharedState;
  readonly settings: ScopeSettingsSnapshot;
  readonly admission: Admission;
  /** Spend over budget per tenant and team, read from the ledger on a timer (the utilisation gauge). */
  readonly budgetUtilization: BudgetUtilizationTracker;
  /** Compiles a scope's settings over the config file's defaults, as admission does (for budget status reads). */
  readonly compiler: ScopeLimitCompiler;
  /** Loads the settings snapshot. */
  start(): Promise<void>;
  /** For `/readyz`: null when the state backend answers, else why not. */
  checkReady(): Promise<string | null>;
  /** Drains the ledger and releases the state backend; call after the server stopped taking requests. */
  close(): Promise<void>;
}

export interface AdmissionServiceOptions {
  config: GatehouseConfig;
  store: Store;
  logger: Logger;
  /** An existing state backend (tests, benchmarks); created from the config when absent and then owned. */
  state?: SharedState;
  /**
   * The price table, shared with whatever changes it at runtime (the admin API's rows); built from the config's
   * `prices` and `price_defaults` when absent.
   */
  prices?: PriceBook;
  /** How often budget utilisation is read from the ledger (default 15 s, a typical scrape interval). */
  budgetUtilizationMs?: number;
}

export function createSharedState(config: Pick<GatehouseConfig, 'redisUrl'>, logger: Logger): SharedState {
  const onError = (error: unknown) => logger.error({ err: error }, 'shared state subscriber failed');
  return config.redisUrl
    ? createRedisSharedState({ url: config.redisUrl, onError })
    : createMemorySharedState({ onError });
}

export function createAdmissionService(options: AdmissionServiceOptions): AdmissionService {
  const { config, store, logger } = options;
  const state = options.state ?? createSharedState(config, logger);
  const ownsState = options.state === undefined;
  const settings = new ScopeSettingsSnapshot({
    store,
    refreshMs: config.snapshotRefreshMs,
    onRefreshError: (error) => logger.error({ err: error }, 'tenant/team settings refresh failed'),
  });
  const admission = createGatewayAdmission({
    state,
    settings,
    limits: config.file.limits ?? {},
    prices: options.prices ?? new PriceBook(config.file.prices ?? {}, config.file.price_defaults !== false),
    ledgerSpend: (scope, window) => loadScopeSpend(store, scope, window),
    logger,
  });
  const compiler = new ScopeLimitCompiler(config.file.limits ?? {});
  const budgetUtilization = new BudgetUtilizationTracker({
    settings,
    compiler,
    ledgerSpend: (scope, window) => loadScopeSpend(store, scope, window),
    intervalMs: options.budgetUtilizationMs ?? 15_000,
    onError: (error) => logger.error({ err: error }, 'reading budget utilisation from the ledger failed'),
  });
  return {
    state,
    settings,
    admission,
    budgetUtilization,
    compiler,
    async start() {
      await settings.start();
      budgetUtilization.start();
      // The first reading now rather than one interval later; it runs in the background like the ones after it.
      budgetUtilization
        .refresh()
        .catch((error: unknown) => logger.error({ err: error }, 'reading budget utilisation failed'));
    },
    async checkReady() {
      try {
        await state.ping();
        return null;
      } catch (error) {
        return `shared state unreachable: ${(error as Error).message}`;
      }
    },
    async close() {
      budgetUtilization.stop();
      settings.stop();
      if (ownsState) await state.close();
    },
  };
}
