import type { Logger } from 'pino';
import type { FileConfig } from '../config/index.ts';
import { PriceBook } from '../domain/limits/index.ts';
import {
  createLlmRouter,
  type LlmRouter,
  type LlmRouterOptions,
  type ModelGroupSpec,
  type RoutingConfig,
} from '../providers/index.ts';
import type { SecretService } from '../secrets/index.ts';
import type { Store } from '../store/index.ts';
import { LlmAdminStore, type StoredLlmConfig, toRoutingConfig } from './admin-store.ts';
import { type CatalogSources, type MergedCatalog, mergeCatalog } from './catalog.ts';
import { resolveLlmFileConfig } from './config.ts';
import {
  DEFAULT_OLLAMA_UPSTREAM_ID,
  defaultOllamaUpstream,
  groupsFromDiscovery,
  normalizeOllamaUrl,
} from './default-ollama.ts';
import { type LlmReadinessCheck, UpstreamHealthMonitor } from './readiness.ts';

export interface LlmServiceOptions {
  file: FileConfig;
  store: Store;
  secrets: SecretService;
  logger: Logger;
  /** Where `${NAME}` key references are read; default `process.env`. */
  env?: NodeJS.ProcessEnv;
  /** The no-config default's Ollama; default `OLLAMA_HOST` from `env`, else http://127.0.0.1:11434. */
  defaultOllamaUrl?: string;
  /** How often the admin-defined tables are polled for changes from other instances. */
  refreshMs?: number;
  probeIntervalMs?: number;
  discoveryIntervalMs?: number;
  /** Default mode: an unknown model re-lists the local Ollama at most this often (default 2 s). */
  rediscoverMinMs?: number;
  /**
   * The price table admission reads, whose admin layer this service keeps in step with the store; built from the
   * config file's `prices` and `price_defaults` when absent.
   */
  prices?: PriceBook;
  /** Router tuning (retry policy, pools); tests shorten backoffs with it. */
  router?: Pick<LlmRouterOptions, 'policy' | 'pool' | 'maxResponseBytes' | 'onQueueWait' | 'onAttempt'>;
}

const EMPTY: StoredLlmConfig = { upstreams: [], groups: [], prices: [] };
/** An unknown model in default mode re-lists the local Ollama (a model pulled a moment ago), at most this often. */
const REDISCOVER_MIN_MS = 2_000;

/**
 * The LLM data plane's state: the router, fed from the config file, the admin-defined tables (polled, so every
 * instance converges within `refreshMs`) and, without configured upstreams, the local Ollama's own model list;
 * and the price table's admin layer, from the same poll.
 */
export class LlmService {
  readonly router: LlmRouter;
  readonly adminStore: LlmAdminStore;
  readonly monitor: UpstreamHealthMonitor;
  readonly prices: PriceBook;
  /** True when the config file declares no upstreams and the local-Ollama default serves. */
  readonly defaultMode: boolean;
  readonly defaultOllamaUrl: string | null;
  #sources: CatalogSources;
  #stored: StoredLlmConfig = EMPTY;
  #merged: MergedCatalog;
  #revision = -1;
  #lastDiscovery = 0;
  #discoveryError: string | null = null;
  #timers: NodeJS.Timeout[] = [];
  readonly #options: LlmServiceOptions;

  constructor(options: LlmServiceOptions) {
    this.#options = options;
    const env = options.env ?? process.env;
    const file = resolveLlmFileConfig(options.file, env);
    this.defaultMode = !file.explicit;
    this.defaultOllamaUrl = this.defaultMode ? normalizeOllamaUrl(options.defaultOllamaUrl ?? env.OLLAMA_HOST) : null;
    this.#sources = {
      file,
      defaultUpstream: this.defaultOllamaUrl === null ? null : defaultOllamaUpstream(this.defaultOllamaUrl),
      stored: { upstreams: [], models: [] },
      discovered: [],
    };
    this.#merged = mergeCatalog(this.#sources);
    const policy = { ...options.router?.policy };
    if (file.reasoningModels !== null) policy.reasoning_models = file.reasoningModels;
    this.router = createLlmRouter({ ...this.#merged.config, ...options.router, policy });
    this.adminStore = new LlmAdminStore(options.store, options.secrets);
    this.monitor = new UpstreamHealthMonitor(this.router);
    this.prices = options.prices ?? new PriceBook(options.file.prices ?? {}, options.file.price_defaults !== false);
  }

  get catalog(): MergedCatalog {
    return this.#merged;
  }

  get stored(): StoredLlmConfig {
    return this.#stored;
  }

  get discoveryError(): string | null {
    return this.#discoveryError;
  }

  /** Loads the admin tables and discovers, probes once, then keeps all three fresh in the background. */
  async start(): Promise<void> {
    await this.refresh();
    await this.discover();
    await this.monitor.probeAll(this.upstreamIds());
    const every = (ms: number, task: () => Promise<unknown>): void => {
      const timer = setInterval(() => {
        task().catch((error) => this.#options.logger.warn({ err: error }, 'llm background task failed'));
      }, ms);
      timer.unref();
      this.#timers.push(timer);
    };
    every(this.#options.refreshMs ?? 1_000, () => this.refresh());
    if (this.defaultMode) every(this.#options.discoveryIntervalMs ?? 30_000, () => this.discover());
    this.monitor.start(() => this.upstreamIds(), this.#options.probeIntervalMs ?? 15_000);
  }

  async close(): Promise<void> {
    for (const timer of this.#timers) clearInterval(timer);
    this.#timers = [];
    this.monitor.stop();
    await this.router.close();
  }

  upstreamIds(): string[] {
    return this.#merged.config.upstreams.map((upstream) => upstream.id);
  }

  listModels(): readonly ModelGroupSpec[] {
    return this.router.listModelGroups();
  }

  /** Re-reads the admin tables when their revision moved (or when forced after a local write). */
  async refresh(force = false): Promise<void> {
    const revision = await this.adminStore.revision();
    if (!force && revision === this.#revision) return;
    const { invalidPrices, ...stored } = await this.adminStore.load();
    if (invalidPrices.length > 0) {
      this.#options.logger.error({ models: invalidPrices }, 'stored model prices do not validate; ignored');
    }
    this.#stored = stored;
    this.#revision = revision;
    this.prices.setAdmin(stored.prices.map((entry) => [entry.model, entry.price] as const));
    await this.#apply({ stored: toRoutingConfig(this.#stored) });
  }

  /** Default mode: lists the local Ollama's models and serves each under its own name. Never throws. */
  async discover(): Promise<void> {
    if (!this.defaultMode) return;
    this.#lastDiscovery = Date.now();
    try {
      const models = await this.router.listUpstreamModels(DEFAULT_OLLAMA_UPSTREAM_ID);
      this.#discoveryError = null;
      await this.#apply({ discovered: groupsFromDiscovery(models) });
    } catch (error) {
      this.#discoveryError = `the local Ollama at ${this.defaultOllamaUrl} is not reachable (${(error as Error).message})`;
    }
  }

  /** Whether a model is served, re-listing the local Ollama first in default mode (bounded in rate). */
  async hasModel(name: string): Promise<boolean> {
    if (this.router.hasModel(name)) return true;
    if (!this.defaultMode || Date.now() - this.#lastDiscovery < (this.#options.rediscoverMinMs ?? REDISCOVER_MIN_MS))
      return false;
    await this.discover();
    return this.router.hasModel(name);
  }

  /** The routing config a candidate admin write would produce, for validation before it is stored. */
  previewStored(stored: RoutingConfig): RoutingConfig {
    return mergeCatalog({ ...this.#sources, stored }).config;
  }

  /** `/readyz` entries: one per upstream known at startup (informational) and the overall LLM verdict. */
  readinessChecks(): LlmReadinessCheck[] {
    const perUpstream = this.upstreamIds().map((id) => ({
      name: `llm.upstream.${id}`,
      required: false,
      check: async () => this.monitor.reasonFor(id),
    }));
    return [...perUpstream, { name: 'llm', required: !this.defaultMode, check: async () => this.#overallReason() }];
  }

  #overallReason(): string | null {
    const { models } = this.#merged.config;
    if (this.defaultMode && models.length === 0) return this.#discoveryError;
    if (models.length === 0) return null;
    const used = new Set(models.flatMap((group) => group.targets.map((target) => target.upstream)));
    if ([...used].some((id) => this.monitor.isReachable(id))) return null;
    return `no upstream of a configured model is reachable: ${[...used]
      .map((id) => `${id} ${this.monitor.reasonFor(id)}`)
      .join('; ')}`;
  }

  /** Patches synchronously, so a refresh and a discovery that overlap never undo each other's change. */
  async #apply(patch: Partial<CatalogSources>): Promise<void> {
    this.#sources = { ...this.#sources, ...patch };
    const merged = mergeCatalog(this.#sources);
    if (merged.dropped.length > 0) {
      this.#options.logger.warn({ groups: merged.dropped }, 'model groups target unknown upstreams; skipped');
    }
    this.#merged = merged;
    await this.router.update(merged.config);
  }
}
