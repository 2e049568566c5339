import {
  collectGroups,
  type Dialect,
  type JsonObject,
  type ListedModel,
  type LlmOperation,
  type ModelGroupSpec,
  type RoutingPolicy,
  synthesizeOllamaShow,
  targetKey,
  type UpstreamKind,
  upstreamServes,
} from '../domain/routing/index.ts';
import { UnknownModelError, UpstreamError } from './errors.ts';
import { executeWithFailover } from './failover.ts';
import { failureFromError } from './http/exchange-failure.ts';
import { createPoolRegistry, type PoolOptions } from './http/pools.ts';
import type { UpstreamRequest } from './provider-adapter.ts';
import {
  buildRoutingTables,
  createHealth,
  createReasoningMatcher,
  type QueueWait,
  type ResolvedUpstream,
  type RouterState,
  type RoutingConfig,
  resolvePolicy,
  sleepUnlessAborted,
} from './router-state.ts';
import type { CallSignal, LlmCall, LlmResult } from './types.ts';

export interface LlmRouterOptions extends RoutingConfig {
  policy?: Partial<RoutingPolicy>;
  pool?: PoolOptions;
  /** Largest JSON response accepted from an upstream (embeddings of big batches are the large ones). */
  maxResponseBytes?: number;
  /** Injected for tests; default Date.now, Math.random and a real (abortable) sleep. */
  now?: () => number;
  random?: () => number;
  sleep?: (ms: number, signal: CallSignal | undefined) => Promise<void>;
  /** Each wait for a slot on a saturated upstream, as it ends (the queue-wait histogram). */
  onQueueWait?: (wait: QueueWait) => void;
  /** Each attempt against an upstream as it ends, failover included: ok, or the upstream error code. */
  onAttempt?: (upstream: string, outcome: string) => void;
}

/** One upstream's gate, for metrics; upstreams on one origin share a pool, so they report the same numbers. */
export interface UpstreamQueueState {
  upstream: string;
  queued: number;
  inUse: number;
  capacity: number;
}

export interface UpstreamProbe {
  upstream: string;
  ok: boolean;
  status: number | null;
  latency_ms: number;
  error: string | null;
}

/** The LLM data plane the `/v1/*` and `/api/*` routes call. */
export interface LlmRouter {
  /** Serves a call with retries, key rotation and fallbacks. See `executeWithFailover` in failover.ts. */
  executeWithFailover(call: LlmCall): Promise<LlmResult>;
  hasModel(name: string): boolean;
  /**
   * True when every target the model's group can reach (its own and its fallbacks') is on an upstream that serves
   * `dialect` itself: what a call that cannot be translated needs.
   */
  servesNatively(name: string, dialect: Dialect): boolean;
  /**
   * True when some target the model's group can reach serves `operation`, natively or by translation (failover
   * skips the others); true for a model without a group, which routing itself refuses.
   */
  servesOperation(name: string, operation: LlmOperation): boolean;
  /** The kinds of upstream the model's groups reach, each once: what a refusal names. */
  upstreamKinds(name: string): UpstreamKind[];
  /** Public model groups (the names `/v1/models` and `/api/tags` list, filtered per key by the route). */
  listModelGroups(): readonly ModelGroupSpec[];
  /** Every target of every model group and whether its circuit is open (cooling down), for metrics. */
  circuitStates(): Array<{ upstream: string; target: string; open: boolean }>;
  /** Calls waiting for, and holding, each upstream's connection slots. */
  queueStates(): UpstreamQueueState[];
  /** Models an upstream itself lists (`/v1/models` or `/api/tags`): discovery for the default config. */
  listUpstreamModels(upstreamId: string): Promise<ListedModel[]>;
  /** Light health probe (the model listing) for `/readyz`. Never throws. */
  probeUpstream(upstreamId: string): Promise<UpstreamProbe>;
  /** `POST /api/show` body for a public model: the native answer when its first target is Ollama. */
  describeModel(name: string): Promise<JsonObject>;
  /** Swaps upstreams and groups at runtime (admin API, config reload); health and key cooldowns carry over. */
  update(config: RoutingConfig): Promise<void>;
  close(): Promise<void>;
}

const PROBE_TIMEOUT_MS = 5_000;

export function createLlmRouter(options: LlmRouterOptions): LlmRouter {
  const pools = createPoolRegistry(options.pool);
  const policy = resolvePolicy(options.policy);
  const state: RouterState = {
    ...buildRoutingTables(options, pools),
    policy,
    isReasoningModel: createReasoningMatcher(policy),
    health: createHealth(policy),
    inFlight: new Map(),
    maxResponseBytes: options.maxResponseBytes ?? 128 * 1024 * 1024,
    now: options.now ?? Date.now,
    random: options.random ?? Math.random,
    sleep: options.sleep ?? sleepUnlessAborted,
    onQueueWait: options.onQueueWait ?? (() => {}),
    onAttempt: options.onAttempt ?? (() => {}),
  };

  function upstreamOf(id: string): ResolvedUpstream {
    const upstream = state.upstreams.get(id);
    if (upstream === undefined) throw new TypeError(`unknown upstream: ${id}`);
    return upstream;
  }

  async function fetchJson(
    upstream: ResolvedUpstream,
    request: UpstreamRequest,
  ): Promise<{ status: number; json: unknown }> {
    const response = await upstream.dispatcher.request({
      path: request.path,
      method: request.method,
      headers: request.headers,
      body: request.body,
      headersTimeout: PROBE_TIMEOUT_MS,
      bodyTimeout: PROBE_TIMEOUT_MS,
    });
    const text = await response.body.text();
    if (response.statusCode < 200 || response.statusCode >= 300) {
      throw new UpstreamError(response.statusCode >= 500 ? 'upstream_unavailable' : 'upstream_rejected', {
        status: 502,
        upstreamStatus: response.statusCode,
      });
    }
    try {
      return { status: response.statusCode, json: JSON.parse(text) };
    } catch (error) {
      throw new UpstreamError('upstream_bad_response', { upstreamStatus: response.statusCode, cause: error });
    }
  }

  function keyFor(upstream: ResolvedUpstream): string | null {
    return upstream.keys.pick(state.now())?.key ?? null;
  }

  async function listUpstreamModels(upstreamId: string): Promise<ListedModel[]> {
    const upstream = upstreamOf(upstreamId);
    try {
      const { json } = await fetchJson(
        upstream,
        upstream.adapter.buildListModelsRequest(upstream.base, keyFor(upstream)),
      );
      return upstream.adapter.readModelList(json);
    } catch (error) {
      if (error instanceof UpstreamError) throw error;
      const failure = failureFromError(error, null);
      throw new UpstreamError(failure.verdict.code, { cause: error });
    }
  }

  function reachableUpstreams(primary: ModelGroupSpec): ResolvedUpstream[] {
    const found: ResolvedUpstream[] = [];
    for (const group of collectGroups(primary, (name) => state.groups.get(name))) {
      for (const target of group.targets) {
        const upstream = state.upstreams.get(target.upstream);
        if (upstream !== undefined) found.push(upstream);
      }
    }
    return found;
  }

  return {
    executeWithFailover: (call) => executeWithFailover(state, call),
    hasModel: (name) => state.groups.has(name),
    servesNatively(name, dialect) {
      const primary = state.groups.get(name);
      if (primary === undefined) return false;
      return collectGroups(primary, (group) => state.groups.get(group)).every((group) =>
        group.targets.every((target) => state.upstreams.get(target.upstream)?.dialects.includes(dialect) === true),
      );
    },
    servesOperation(name, operation) {
      const primary = state.groups.get(name);
      if (primary === undefined) return true;
      return reachableUpstreams(primary).some((upstream) =>
        upstreamServes(operation, upstream.dialects, upstream.adapter.dialect),
      );
    },
    upstreamKinds(name) {
      const primary = state.groups.get(name);
      if (primary === undefined) return [];
      return [...new Set(reachableUpstreams(primary).map((upstream) => upstream.base.spec.provider))];
    },
    listModelGroups: () => [...state.groups.values()],
    circuitStates() {
      const now = state.now();
      const seen = new Map<string, { upstream: string; target: string; open: boolean }>();
      for (const group of state.groups.values()) {
        for (const target of group.targets) {
          const key = targetKey(target);
          if (!seen.has(key)) {
            seen.set(key, {
              upstream: target.upstream,
              target: target.model,
              open: !state.health.isAvailable(key, now),
            });
          }
        }
      }
      return [...seen.values()];
    },
    queueStates() {
      return [...state.upstreams].map(([id, upstream]) => ({
        upstream: id,
        queued: upstream.gate.queued,
        inUse: upstream.gate.inUse,
        capacity: upstream.gate.capacity,
      }));
    },
    listUpstreamModels,
    async probeUpstream(upstreamId) {
      const started = state.now();
      try {
        await listUpstreamModels(upstreamId);
        return { upstream: upstreamId, ok: true, status: 200, latency_ms: state.now() - started, error: null };
      } catch (error) {
        const code = error instanceof UpstreamError ? error.code : 'upstream_unavailable';
        const status = error instanceof UpstreamError ? error.upstreamStatus : null;
        return { upstream: upstreamId, ok: false, status, latency_ms: state.now() - started, error: code };
      }
    },
    async describeModel(name) {
      const group = state.groups.get(name);
      if (group === undefined) throw new UnknownModelError(name);
      const target = group.targets[0];
      const upstream = target === undefined ? undefined : state.upstreams.get(target.upstream);
      if (target !== undefined && upstream?.adapter.buildShowRequest !== undefined) {
        const request = upstream.adapter.buildShowRequest(upstream.base, target.model, keyFor(upstream));
        const { json } = await fetchJson(upstream, request);
        if (json !== null && typeof json === 'object') return json as JsonObject;
      }
      return synthesizeOllamaShow({ id: name }, state.now());
    },
    async update(config) {
      const next = buildRoutingTables(config, pools, state.upstreams);
      state.upstreams = next.upstreams;
      state.groups = next.groups;
      const origins = new Set([...next.upstreams.values()].map((upstream) => upstream.base.origin));
      await pools.retain(origins);
    },
    close: () => pools.close(),
  };
}
