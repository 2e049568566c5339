import type { Dispatcher } from 'undici';
import {
  createKeyRing,
  createModelMatcher,
  createTargetHealth,
  DEFAULT_ROUTING_POLICY,
  type Dialect,
  type KeyRing,
  type ModelGroupSpec,
  type ModelMatcher,
  type RoutingPolicy,
  type TargetHealth,
  type UpstreamSpec,
} from '../domain/routing/index.ts';
import type { PoolRegistry } from './http/pools.ts';
import type { SlotGate } from './http/slot-gate.ts';
import { type ProviderAdapter, resolveUpstreamBase, type UpstreamBase } from './provider-adapter.ts';
import { getProviderAdapter } from './registry.ts';
import type { CallSignal } from './types.ts';

export interface ResolvedUpstream {
  base: UpstreamBase;
  adapter: ProviderAdapter;
  /** The wire families it serves: its adapter's, and the Responses API when an `openai` upstream declares it. */
  dialects: readonly Dialect[];
  keys: KeyRing;
  dispatcher: Dispatcher;
  /** The origin pool's gate: a call holds one of its slots for as long as it uses a connection. */
  gate: SlotGate;
  queueTimeoutMs: number;
}

/** How long a call waits for a slot on a saturated upstream when the upstream does not say. */
export const DEFAULT_QUEUE_TIMEOUT_MS = 10_000;

/** One wait for an upstream slot that did not get one at once, for the queue-wait histogram. */
export interface QueueWait {
  upstream: string;
  seconds: number;
  outcome: 'granted' | 'timeout' | 'aborted';
}

/** Everything the failover loop reads: an immutable routing snapshot plus the live health and load maps. */
export interface RouterState {
  upstreams: Map<string, ResolvedUpstream>;
  groups: Map<string, ModelGroupSpec>;
  policy: RoutingPolicy;
  isReasoningModel: ModelMatcher;
  health: TargetHealth;
  inFlight: Map<string, number>;
  maxResponseBytes: number;
  now: () => number;
  random: () => number;
  sleep: (ms: number, signal: CallSignal | undefined) => Promise<void>;
  onQueueWait: (wait: QueueWait) => void;
  onAttempt: (upstream: string, outcome: string) => void;
}

/** `api_keys` may be omitted (local servers); everything else is `UpstreamSpec`. */
export type UpstreamInput = Omit<UpstreamSpec, 'api_keys'> & { api_keys?: string[] };

export interface RoutingConfig {
  upstreams: readonly UpstreamInput[];
  models: readonly ModelGroupSpec[];
}

/**
 * Validates references (every target names a declared upstream) and resolves adapters and pools, so a bad
 * config fails at startup or at the admin API, never on the first request.
 */
export function buildRoutingTables(
  config: RoutingConfig,
  pools: PoolRegistry,
  previous?: Map<string, ResolvedUpstream>,
): Pick<RouterState, 'upstreams' | 'groups'> {
  const upstreams = new Map<string, ResolvedUpstream>();
  for (const input of config.upstreams) {
    const spec: UpstreamSpec = { ...input, api_keys: input.api_keys ?? [] };
    if (upstreams.has(spec.id)) throw new TypeError(`duplicate upstream id: ${spec.id}`);
    const base = resolveUpstreamBase(spec);
    const adapter = getProviderAdapter(spec.provider);
    if (spec.responses_api === true && adapter.dialect !== 'openai') {
      throw new TypeError(`upstream ${spec.id}: responses_api is for provider openai only`);
    }
    const old = previous?.get(spec.id);
    const sameKeys = old !== undefined && old.base.spec.api_keys.join('\u0000') === spec.api_keys.join('\u0000');
    const origin = pools.get(base.origin, {
      connections: spec.max_connections,
      perTenant: spec.max_connections_per_tenant,
    });
    upstreams.set(spec.id, {
      base,
      adapter,
      dialects: spec.responses_api === true ? [adapter.dialect, 'responses'] : [adapter.dialect],
      // Key cooldowns survive a config refresh unless the keys themselves changed.
      keys: sameKeys ? old.keys : createKeyRing(spec.api_keys),
      dispatcher: origin.pool,
      gate: origin.gate,
      queueTimeoutMs: spec.queue_timeout_ms ?? DEFAULT_QUEUE_TIMEOUT_MS,
    });
  }
  const groups = new Map<string, ModelGroupSpec>();
  for (const group of config.models) {
    if (groups.has(group.name)) throw new TypeError(`duplicate model group: ${group.name}`);
    for (const target of group.targets) {
      if (!upstreams.has(target.upstream)) {
        throw new TypeError(`model group ${group.name} targets unknown upstream ${target.upstream}`);
      }
    }
    groups.set(group.name, group);
  }
  return { upstreams, groups };
}

export function resolvePolicy(overrides: Partial<RoutingPolicy> | undefined): RoutingPolicy {
  return { ...DEFAULT_ROUTING_POLICY, ...overrides };
}

export function createHealth(policy: RoutingPolicy): TargetHealth {
  return createTargetHealth({ failureThreshold: policy.failure_threshold, cooldownMs: policy.cooldown_ms });
}

export function createReasoningMatcher(policy: RoutingPolicy): ModelMatcher {
  return createModelMatcher(policy.reasoning_models);
}

/** Resolves after `ms`, or at once when the client aborts (the caller checks `signal.aborted`). */
export function sleepUnlessAborted(ms: number, signal: CallSignal | undefined): Promise<void> {
  if (ms <= 0 || signal?.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}
