import type { Logger } from 'pino';
import { Gauge, type Registry } from 'prom-client';
import { ConfigError } from '../config/errors.ts';
import type { KekProvider } from '../domain/secrets/index.ts';
import type { SecretService } from '../secrets/index.ts';
import { createMemorySharedState, type SharedState, type SlidingWindowResult } from '../state/index.ts';
import type { Store } from '../store/index.ts';
import { VaultCredentials } from './credentials.ts';
import { type ForwardRequest, type ForwardResponse, forward } from './forward.ts';
import { IdempotencyStore } from './idempotency.ts';
import { type CredentialHealth, OAuthTokens } from './oauth2.ts';
import { compileService, VaultDefinitionError, type VaultService } from './service-definition.ts';
import { SERVICE_ID_PATTERN, type VaultConfigSection } from './service-schema.ts';
import { UpstreamPools } from './upstream-pools.ts';
import { VaultAdmin } from './vault-admin.ts';
import { VaultSnapshot } from './vault-snapshot.ts';

export interface CreateVaultOptions {
  store: Store;
  secrets: SecretService;
  kek: KekProvider;
  /** The `vault` section of the config file. */
  config?: VaultConfigSection;
  /** Shared state for rate limits and the cross-instance refresh lock; in-process when omitted. */
  state?: SharedState;
  logger?: Logger;
  refreshMs?: number;
  /** Where the vault registers its metrics (the gateway's registry). */
  registry?: Registry;
  /** Called after each OAuth2 token exchange with its service and whether it succeeded. */
  onTokenRefresh?: (service: string, ok: boolean) => void;
}

/** The credential vault: what the `/vault` routes, the admin API and the CLI drive. */
export interface Vault {
  readonly snapshot: VaultSnapshot;
  readonly credentials: VaultCredentials;
  readonly tokens: OAuthTokens;
  readonly idempotency: IdempotencyStore;
  readonly admin: VaultAdmin;
  /** One hit against the per-agent, per-service sliding window; null when the service sets no limit. */
  hitRateLimit(keyId: string, service: VaultService): Promise<SlidingWindowResult | null>;
  forward(input: Omit<ForwardRequest, never>): Promise<ForwardResponse>;
  /** Credentials whose last token refresh failed. */
  unhealthy(): CredentialHealth[];
  start(): Promise<void>;
  close(): Promise<void>;
}

const DEFAULT_SKEW_MS = 60_000;
const SAFE_ID = new RegExp(SERVICE_ID_PATTERN);
const DEFAULT_IDEMPOTENCY_TTL_MS = 24 * 3_600_000;
const DEFAULT_IDEMPOTENCY_MAX_BYTES = 1024 * 1024;

/**
 * Compiles the config file's services. The schema check in `loadConfig` cannot see the rules that need code
 * (https-only, no userinfo, no dot segments, unique ids), so a bad definition is reported here as a `ConfigError`
 * naming the YAML field: `gatehouse config check` and startup (exit 78) both surface it without a stack trace.
 */
export function compileConfigServices(config: VaultConfigSection | undefined): VaultService[] {
  const seen = new Set<string>();
  return (config?.services ?? []).map((spec, index) => {
    try {
      const service = compileService(spec, 'config');
      if (seen.has(service.id)) throw new VaultDefinitionError('id', `duplicate service id "${service.id}"`);
      seen.add(service.id);
      return service;
    } catch (error) {
      if (!(error instanceof VaultDefinitionError)) throw error;
      const id = (spec as { id?: unknown }).id;
      const which = typeof id === 'string' && SAFE_ID.test(id) ? ` (service "${id}")` : '';
      throw new ConfigError(`vault.services.${index}.${error.field}`, `${error.reason}${which}`);
    }
  });
}

export function createVault(options: CreateVaultOptions): Vault {
  const pools = new UpstreamPools();
  const ownsState = options.state === undefined;
  const state = options.state ?? createMemorySharedState();
  let tokens: OAuthTokens;
  let credentials: VaultCredentials;
  const snapshot = new VaultSnapshot({
    store: options.store,
    configServices: compileConfigServices(options.config),
    refreshMs: options.refreshMs ?? 250,
    logger: options.logger,
    onCredentialChange: (service, scope) => {
      credentials.invalidate(service, scope);
      tokens.forget(service, scope);
    },
  });
  credentials = new VaultCredentials({ store: options.store, secrets: options.secrets, snapshot });
  const healthGauge = options.registry
    ? new Gauge({
        name: 'gatehouse_vault_credential_healthy',
        help: 'Whether the last OAuth2 token refresh of a vault credential succeeded (1) or failed (0).',
        labelNames: ['service', 'scope'],
        registers: [options.registry],
      })
    : null;
  tokens = new OAuthTokens({
    pools,
    secrets: options.secrets,
    state,
    skewMs: options.config?.refresh_skew_ms ?? DEFAULT_SKEW_MS,
    logger: options.logger,
    onHealth: (health) => {
      healthGauge?.labels(health.service, health.scope).set(health.healthy ? 1 : 0);
      options.onTokenRefresh?.(health.service, health.healthy);
    },
  });
  const idempotency = new IdempotencyStore({
    store: options.store,
    kek: options.kek,
    ttlMs: options.config?.idempotency_ttl_ms ?? DEFAULT_IDEMPOTENCY_TTL_MS,
    maxBytes: options.config?.idempotency_max_bytes ?? DEFAULT_IDEMPOTENCY_MAX_BYTES,
  });
  let purgeTimer: NodeJS.Timeout | null = null;

  return {
    snapshot,
    credentials,
    tokens,
    idempotency,
    admin: new VaultAdmin({ store: options.store, snapshot, credentials, tokens }),
    async hitRateLimit(keyId, service) {
      if (service.rateLimit === null) return null;
      const { requests, windowMs } = service.rateLimit;
      return state.slidingWindowHit(`vault:${service.id}:${keyId}`, requests, windowMs);
    },
    forward: (input) => forward({ pools, tokens }, input),
    unhealthy: () => tokens.health().filter((health) => !health.healthy),
    async start() {
      await snapshot.start();
      purgeTimer = setInterval(() => {
        idempotency.purgeExpired().catch((error) => options.logger?.warn({ err: error }, 'idempotency purge failed'));
      }, 60_000);
      purgeTimer.unref();
    },
    async close() {
      snapshot.stop();
      if (purgeTimer) clearInterval(purgeTimer);
      await pools.close();
      if (ownsState) await state.close();
    },
  };
}
