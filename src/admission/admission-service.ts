/**
 * @module Everything admission needs at runtime, built once at startup: the shared state (Redis when `REDIS_URL`
 * is set, else in-process), the tenant/team settings snapshot, the spend ledger and the `Admission` itself.
 * Startup re-seeds budget counters from the ledger (`hydrateSpend`); if the state backend is down then, the
 * gateway still starts (refusing data-plane requests with 503) and retries the seeding until it succeeds.
 */
import type { Logger } from 'pino';
import type { GatehouseConfig } from '../config/index.ts';
import { createMemorySharedState, createRedisSharedState, type SharedState } from '../state/index.ts';
import type { Store } from '../store/index.ts';
import { createGatewayAdmission } from './gateway-admission.ts';
import { ScopeSettingsSnapshot } from './scope-settings-snapshot.ts';
import { SpendLedger } from './spend-ledger.ts';
import type { Admission } from './types.ts';

export interface AdmissionService {
  readonly state: SharedState;
  readonly ledger: SpendLedger;
  readonly settings: ScopeSettingsSnapshot;
  readonly admission: Admission;
  /** Loads the settings snapshot and seeds budgets from the ledger. */
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
}

const HYDRATE_RETRY_MS = 1_000;

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
  const ledger = new SpendLedger({ store, logger });
  const settings = new ScopeSettingsSnapshot({
    store,
    refreshMs: config.snapshotRefreshMs,
    onRefreshError: (error) => logger.error({ err: error }, 'tenant/team settings refresh failed'),
  });
  const admission = createGatewayAdmission({
    state,
    settings,
    limits: config.file.limits ?? {},
    prices: config.file.prices ?? {},
    ledger,
    logger,
  });
  let hydrateTimer: NodeJS.Timeout | null = null;
  let closed = false;

  async function hydrate(): Promise<void> {
    try {
      const applied = await state.hydrateSpend(await ledger.loadLiveSpend());
      if (applied > 0) logger.info({ applied }, 'budget counters seeded from the spend ledger');
    } catch (error) {
      if (closed) return;
      logger.error({ err: error }, 'seeding budgets from the spend ledger failed; retrying');
      hydrateTimer = setTimeout(() => {
        hydrateTimer = null;
        hydrate().catch(() => {});
      }, HYDRATE_RETRY_MS);
      hydrateTimer.unref();
    }
  }

  return {
    state,
    ledger,
    settings,
    admission,
    async start() {
      await settings.start();
      await hydrate();
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
      closed = true;
      if (hydrateTimer !== null) clearTimeout(hydrateTimer);
      settings.stop();
      await ledger.close();
      if (ownsState) await state.close();
    },
  };
}
