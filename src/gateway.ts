import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { type Admission, type AdmissionService, createAdmissionService } from './admission/index.ts';
import {
  AuditCheckpointer,
  type AuditSink,
  AuditStreamExporter,
  AuditWriter,
  createCheckpointSink,
  loadCheckpointSigningKey,
  RefusalThrottle,
  THROTTLED_CODE,
  ThreadedAuditWriter,
} from './audit/index.ts';
import type { GatehouseConfig } from './config/index.ts';
import { PriceBook } from './domain/limits/index.ts';
import type { KekProvider } from './domain/secrets/index.ts';
import { buildApp } from './http/app.ts';
import { createRbacAuthorizer } from './http/authorizer.ts';
import { CorsPolicy } from './http/cors.ts';
import { denialReasonOf } from './http/errors.ts';
import type { Authenticator } from './http/pipeline/index.ts';
import { createIdempotencyStore } from './http/routes/admin/index.ts';
import { SURFACES, type Surface } from './http/surfaces.ts';
import {
  type AdminService,
  AdminSnapshot,
  ConsoleSessions,
  createJwtVerifier,
  type IdentityService,
  KeySnapshot,
  looksLikeJwt,
  OidcLogin,
} from './identity/index.ts';
import { LlmService, type LlmServiceOptions } from './llm/index.ts';
import { createLogger } from './logger.ts';
import { createMcpService, type McpService, quarantineAuditDraft } from './mcp/index.ts';
import { PromptLogStore } from './prompt-log/index.ts';
import type { SecretService } from './secrets/index.ts';
import { openServices } from './services.ts';
import type { SharedState } from './state/index.ts';
import { adminRepository, type ReplicaRouter, registerReplicaMetrics, type Store } from './store/index.ts';
import {
  budgetSeries,
  createMetrics,
  createRequestObserver,
  type GatewayMetrics,
  startTelemetryExport,
} from './telemetry/index.ts';
import { createVault, type Vault } from './vault/index.ts';

export { openServices } from './services.ts';

/** A gateway bound to loopback only can insist that MCP clients name a loopback Host (DNS rebinding). */
function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || host === '::1' || host.startsWith('127.');
}

/** Informational on `/readyz`: a replica that fails or lags is a fallback to the primary, not an outage. */
function replicaReadiness(replica: ReplicaRouter) {
  return {
    name: 'replica',
    required: false,
    check: async () => {
      const status = replica.status();
      return status.using === 'replica' ? null : `reads on the primary: ${status.reason}`;
    },
  };
}

/** Everything a running gateway holds; built once at startup, closed once at shutdown. */
export interface Gateway {
  app: FastifyInstance;
  config: GatehouseConfig;
  logger: Logger;
  store: Store;
  kek: KekProvider;
  secrets: SecretService;
  identity: IdentityService;
  admin: AdminService;
  snapshot: KeySnapshot;
  adminSnapshot: AdminSnapshot;
  /** The audit writer: on its own thread by default (`audit.thread`), in the request thread otherwise. */
  audit: AuditWriter | ThreadedAuditWriter;
  /** Signed checkpoints of every chain's head to the configured sinks; null when none is configured. */
  checkpointer: AuditCheckpointer | null;
  metrics: GatewayMetrics;
  /** The credential vault proxy (services, credentials, grants, OAuth2 tokens). */
  vault: Vault;
  /** Rate limits, budgets and the spend ledger (shared state: Redis when REDIS_URL is set, else in-process). */
  limits: AdmissionService;
  /** The LLM data plane: router, admin-defined upstreams and model groups, readiness probes. */
  llm: LlmService;
  /** The MCP tool gateway: upstream servers, tool pins, team tool policies, capabilities. */
  mcp: McpService;
  /** Opt-in prompt logs: recorded for keys or teams with `settings.prompt_log`, purged when their TTL passes. */
  promptLogs: PromptLogStore;
  /** Stops accepting requests, lets in-flight ones finish, drains the audit queue, then closes the store. */
  close(): Promise<void>;
}

export interface CreateGatewayOptions {
  logger?: Logger;
  admission?: Admission;
  /** Extra route families and their surfaces (tests register probe routes this way). */
  families?: Array<(app: FastifyInstance) => Promise<void>>;
  surfaces?: readonly Surface[];
  /** LLM service tuning (default Ollama URL, probe intervals, retry policy); tests shorten timers with it. */
  llm?: Partial<Omit<LlmServiceOptions, 'file' | 'store' | 'secrets' | 'logger'>>;
  /** Check every 2xx answer against its declared response schema (tests: the OpenAPI drift check). */
  validateResponses?: boolean;
  /** The shared state to use instead of one made from the config: a `--workers` worker's is the primary's. */
  state?: SharedState;
  /** The console's build (default `console/dist`); tests serve one built into a folder of their own. */
  consoleAssetsDir?: string;
}

/**
 * Loads (on first start, creates) the checkpoint signing key, and starts checkpointing when sinks are configured.
 * Without a sink, a deleted tail of the audit chains cannot be detected: said at start, louder in production.
 */
async function startCheckpointer(
  config: GatehouseConfig,
  store: Store,
  secrets: SecretService,
  writer: string,
  logger: Logger,
  metrics: GatewayMetrics,
): Promise<AuditCheckpointer | null> {
  const key = await loadCheckpointSigningKey(secrets);
  const { sinks, intervalMs } = config.audit.checkpoints;
  if (sinks.length === 0) {
    logger[config.production ? 'warn' : 'info'](
      'audit checkpoints are off (audit.checkpoints.sinks): a deleted tail of an audit chain cannot be detected',
    );
    return null;
  }
  const checkpointer = new AuditCheckpointer({
    store,
    key,
    sinks: sinks.map(createCheckpointSink),
    intervalMs,
    writer,
    logger,
  });
  metrics.addCollector('gatehouse_audit_checkpoint_pending', (set) => {
    for (const sink of checkpointer.status()) set([sink.name], sink.pending);
  });
  metrics.addCollector('gatehouse_audit_checkpoint_last_stored_seconds', (set) => {
    for (const sink of checkpointer.status()) {
      if (sink.lastStoredAt !== null) set([sink.name], sink.lastStoredAt / 1000);
    }
  });
  checkpointer.start();
  return checkpointer;
}

export async function createGateway(config: GatehouseConfig, options: CreateGatewayOptions = {}): Promise<Gateway> {
  const logger = options.logger ?? createLogger(config.logLevel);
  if (config.masterKeys.generated) {
    logger.warn(
      { dataDir: config.dataDir },
      'GATEHOUSE_MASTER_KEY is not set: using a development master key stored in the data dir. Never do this in production.',
    );
  }
  const { store, kek, secrets, pepper, identity, admin } = await openServices(config);
  const metrics = createMetrics({
    tenantLabels: config.telemetry.metrics.tenantLabels,
    teamLabels: config.telemetry.metrics.teamLabels,
  });
  const telemetryExport = await startTelemetryExport(config.telemetry, config.regionId, metrics.registry);
  if (store.replica) {
    await store.replica.start();
    registerReplicaMetrics(metrics.registry, store.replica);
  }
  const snapshot = new KeySnapshot({
    store,
    pepper,
    refreshMs: config.snapshotRefreshMs,
    onRefreshError: (error) => logger.error({ err: error }, 'key snapshot refresh failed'),
  });
  await snapshot.start();
  const adminSnapshot = new AdminSnapshot({
    store,
    pepper,
    refreshMs: config.snapshotRefreshMs,
    onRefreshError: (error) => logger.error({ err: error }, 'admin snapshot refresh failed'),
  });
  await adminSnapshot.start();
  const auditOptions = {
    regionId: config.regionId,
    queueLimit: config.audit.queueLimit,
    batchSize: config.audit.batchSize,
    flushIntervalMs: config.audit.flushIntervalMs,
    logger,
    onWriteFailure: metrics.countAuditWriteFailure,
    onCommitted: (count: number, seconds: number) => metrics.observeAuditCommit(seconds, count),
  };
  const audit = config.audit.thread
    ? new ThreadedAuditWriter({
        ...auditOptions,
        store: {
          dataDir: config.dataDir,
          writeUrl: config.databaseWriteUrl,
          sqliteSynchronous: config.sqliteSynchronous,
        },
      })
    : new AuditWriter({ ...auditOptions, store });
  if (audit instanceof ThreadedAuditWriter) await audit.start();
  metrics.readAuditQueueDepthFrom(() => audit.depth);
  const checkpointer = await startCheckpointer(config, store, secrets, audit.chainId, logger, metrics);
  const jwtVerifier = config.oidc ? createJwtVerifier(config.oidc) : null;
  const authenticator: Authenticator = {
    async authenticate(token, surface) {
      // gh_/gha_ keys are base62 and carry no dots, so a JWT-shaped bearer is never mistaken for one.
      const kind = token.startsWith('gha_') ? 'admin_token' : looksLikeJwt(token) ? 'jwt' : 'key';
      if (!surface.auth.includes(kind)) return { ok: false, reason: 'credential_not_accepted' };
      if (kind === 'jwt') {
        if (jwtVerifier === null) return { ok: false, reason: 'invalid_token', detail: 'no OIDC issuer is configured' };
        return jwtVerifier.verify(token);
      }
      return kind === 'admin_token' ? adminSnapshot.authenticate(token) : snapshot.authenticate(token);
    },
  };
  const authorizer = createRbacAuthorizer(() => adminSnapshot.engine, {
    tenantExists: (tenantId) => adminSnapshot.tenantExists(tenantId),
    tenantOfTeam: (teamId) => adminSnapshot.tenantOfTeam(teamId),
    tenantNamed: (name) => adminSnapshot.tenantNamed(name),
    teamNamed: (tenantId, name) => adminSnapshot.teamNamed(tenantId, name),
    teamsOfTenant: (tenantId) => adminSnapshot.teamsOfTenant(tenantId),
    refreshOnMiss: () => adminSnapshot.refreshOnMiss(),
    teamOfKey: (keyId) => snapshot.getKey(keyId),
  });
  const sessions = new ConsoleSessions({ store, admin: adminSnapshot, pepper });
  const consoleLogin =
    config.oidc?.console && jwtVerifier
      ? new OidcLogin({ oidc: config.oidc, console: config.oidc.console, verifier: jwtVerifier, pepper })
      : null;
  // One price table for admission and the LLM service, which keeps its admin layer in step with the store.
  const prices = new PriceBook(config.file.prices ?? {}, config.file.price_defaults !== false);
  const limits = createAdmissionService({ config, store, logger, state: options.state, prices });
  await limits.start();
  const budgetLabels = {
    tenantLabels: config.telemetry.metrics.tenantLabels,
    teamLabels: config.telemetry.metrics.teamLabels,
    tenantOfTeam: (teamId: string) => adminSnapshot.tenantOfTeam(teamId) ?? null,
  };
  metrics.addCollector('gatehouse_budget_utilization_ratio', (set) => {
    for (const series of budgetSeries(limits.budgetUtilization.current, budgetLabels)) set(series.labels, series.value);
  });
  const vault = createVault({
    store,
    secrets,
    kek,
    config: config.file.vault,
    state: limits.state,
    logger,
    refreshMs: config.snapshotRefreshMs,
    registry: metrics.registry,
    onTokenRefresh: (service, ok) => metrics.countVaultRefresh(service, ok ? 'success' : 'failure'),
  });
  await vault.start();
  const llm = new LlmService({
    ...options.llm,
    router: {
      ...options.llm?.router,
      onQueueWait: (wait) => metrics.observeUpstreamQueueWait(wait.upstream, wait.outcome, wait.seconds),
      onAttempt: metrics.countUpstreamAttempt,
    },
    file: config.file,
    store,
    secrets,
    logger,
    prices,
  });
  await llm.start();
  metrics.addCollector('gatehouse_upstream_circuit_open', (set) => {
    for (const state of llm.router.circuitStates()) set([state.upstream, state.target], state.open ? 1 : 0);
  });
  metrics.addCollector('gatehouse_upstream_queue_depth', (set) => {
    for (const state of llm.router.queueStates()) set([state.upstream], state.queued);
  });
  metrics.addCollector('gatehouse_upstream_slots_in_use', (set) => {
    for (const state of llm.router.queueStates()) set([state.upstream], state.inUse);
  });
  const mcp = await createMcpService({
    config: config.mcp,
    store,
    secrets,
    logger,
    state: limits.state,
    onQuarantine: (event) => audit.enqueue(quarantineAuditDraft(event, config.regionId)),
    onToolCall: metrics.observeMcpToolCall,
    tracer: telemetryExport.tracer,
  });
  const auditExport = config.audit.export
    ? new AuditStreamExporter({
        store,
        sink: config.audit.export,
        lock: limits.state,
        logger,
        onBatch: metrics.countAuditExport,
      })
    : null;
  auditExport?.start();
  const promptLogs = new PromptLogStore({
    store,
    kek,
    maxTtlS: config.telemetry.promptLogMaxTtlS,
    teamSettings: (teamId) => limits.settings.team(teamId),
    logger,
  });
  promptLogs.start();
  let shuttingDown = false;
  const observeRequest = createRequestObserver({
    metrics,
    logger,
    accessLog: config.telemetry.accessLog,
    denialReason: denialReasonOf,
  });
  // The pipeline's sink: each draft is committed, then observed (metrics, access log); other writers of audit
  // events (tool quarantine) are not requests and bypass it.
  const authThrottle = new RefusalThrottle({
    ...config.http.authFailureThrottle,
    regionId: config.regionId,
    write: (draft) => {
      audit.enqueue(draft, null);
    },
  });
  authThrottle.start();
  const pipelineAudit: AuditSink = {
    enqueue(draft, spend) {
      // A throttled refusal is counted into its source's aggregated event (and the request metrics), not written.
      if (draft.error_code === THROTTLED_CODE) {
        authThrottle.absorb(draft);
        metrics.countRequest(draft.surface, draft.status);
        return Promise.resolve();
      }
      const durable = audit.enqueue(draft, spend ?? null);
      observeRequest(draft);
      return durable;
    },
    get overloaded() {
      return audit.overloaded;
    },
  };

  const surfaces = options.surfaces ? [...SURFACES, ...options.surfaces] : SURFACES;
  const app = await buildApp({
    logger,
    bodyLimitBytes: config.bodyLimitBytes,
    http: config.http,
    pipeline: {
      regionId: config.regionId,
      authenticator,
      sessions,
      authorizer,
      admission: options.admission ?? limits.admission,
      audit: pipelineAudit,
      authThrottle,
      metrics,
      tracer: telemetryExport.tracer,
      durableTimeoutMs: config.audit.durableTimeoutMs,
      cors: CorsPolicy.fromConfig(config.cors, surfaces),
      isShuttingDown: () => shuttingDown,
    },
    ops: {
      readiness: [
        { name: 'store', check: () => store.checkReady().then(() => null) },
        ...(store.replica ? [replicaReadiness(store.replica)] : []),
        {
          name: 'audit',
          check: async () => {
            if (audit.lastError === null) return null;
            // A failed commit is retried on a back-off of up to seconds; a probe retries at once, so the gateway
            // reports ready as soon as the store takes writes again instead of at the next scheduled retry.
            await audit.flush().catch(() => {});
            return audit.lastError ? `audit commits failing: ${audit.lastError.message}` : null;
          },
        },
        {
          name: 'identity',
          check: async () =>
            snapshot.isFresh() && adminSnapshot.isFresh() ? null : 'identity snapshot is stale (store unreachable?)',
        },
        { name: 'state', check: () => limits.checkReady() },
        {
          name: 'vault',
          check: async () => (vault.snapshot.isFresh() ? null : 'vault grant snapshot is stale (store unreachable?)'),
          details: () => {
            const unhealthy = vault.unhealthy();
            if (unhealthy.length === 0) return null;
            return {
              unhealthy_credentials: unhealthy.map((health) => ({
                service: health.service,
                scope: health.scope,
                reason: health.reason,
                since: new Date(health.at).toISOString(),
              })),
            };
          },
        },
        ...llm.readinessChecks(),
      ],
      renderMetrics: async () => ({
        contentType: metrics.registry.contentType,
        body: await metrics.registry.metrics(),
      }),
    },
    admin: {
      store,
      identity,
      admin,
      secrets,
      idempotency: createIdempotencyStore(store, kek),
      promptLogs,
      engine: () => adminSnapshot.engine,
      refreshSnapshots: async () => {
        await Promise.all([snapshot.refresh(), adminSnapshot.refresh(), limits.settings.refresh()]);
      },
    },
    console: {
      assetsDir: options.consoleAssetsDir,
      sessions,
      login: consoleLogin,
      issuer: config.oidc?.issuer ?? null,
      engine: () => adminSnapshot.engine,
      bindingScopes: async (principal) =>
        (await adminRepository.listBindings(store.read, { principal })).map((binding) => binding.scope),
    },
    validateResponses: options.validateResponses,
    families: options.families,
    surfaces,
    publicUrl: config.publicUrl,
    vault,
    usage: { store, compiler: limits.compiler },
    llm,
    promptLogs,
    mcp: { service: mcp, store, secrets, state: limits.state, loopbackOnly: isLoopbackHost(config.host) },
  });

  let closing: Promise<void> | null = null;
  return {
    app,
    config,
    logger,
    store,
    kek,
    secrets,
    identity,
    admin,
    snapshot,
    adminSnapshot,
    audit,
    checkpointer,
    metrics,
    vault,
    limits,
    llm,
    mcp,
    promptLogs,
    close() {
      closing ??= (async () => {
        shuttingDown = true;
        await app.close();
        await mcp.close();
        authThrottle.close();
        await audit.close();
        await checkpointer?.close();
        await auditExport?.stop();
        promptLogs.stop();
        await limits.close();
        snapshot.stop();
        adminSnapshot.stop();
        await vault.close();
        await llm.close();
        await telemetryExport.shutdown().catch((error) => logger.warn({ err: error }, 'last OTLP export failed'));
        await store.close();
      })();
      return closing;
    },
  };
}
