import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { AuditWriter } from './audit/index.ts';
import type { GatehouseConfig } from './config/index.ts';
import { createLocalKekProvider, type KekProvider } from './domain/secrets/index.ts';
import { buildApp } from './http/app.ts';
import { createRbacAuthorizer } from './http/authorizer.ts';
import { createMetrics, type GatewayMetrics } from './http/metrics.ts';
import { type Admission, type Authenticator, openAdmission } from './http/pipeline/index.ts';
import { SURFACES, type Surface } from './http/surfaces.ts';
import {
  AdminService,
  AdminSnapshot,
  createIdentityService,
  type IdentityService,
  KeySnapshot,
} from './identity/index.ts';
import { createLogger } from './logger.ts';
import { createSecretService, type SecretService, verifyMasterKeys } from './secrets/index.ts';
import { openStore, type Store } from './store/index.ts';

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
  audit: AuditWriter;
  metrics: GatewayMetrics;
  /** Stops accepting requests, lets in-flight ones finish, drains the audit queue, then closes the store. */
  close(): Promise<void>;
}

export interface CreateGatewayOptions {
  logger?: Logger;
  admission?: Admission;
  /** Extra route families and their surfaces (tests register probe routes this way). */
  families?: Array<(app: FastifyInstance) => Promise<void>>;
  surfaces?: readonly Surface[];
}

/** Opens the store, checks the master keys, and wires the services shared by the server and the CLI. */
export async function openServices(config: GatehouseConfig) {
  const store = openStore({
    dataDir: config.dataDir,
    writeUrl: config.databaseWriteUrl,
    readUrl: config.databaseReadUrl,
  });
  try {
    await store.migrate();
    const { current, previous } = config.masterKeys;
    await verifyMasterKeys(store, [current, ...previous]);
    const kek = createLocalKekProvider({ current, previous });
    const secrets = createSecretService(store, kek);
    const pepper = await secrets.loadPepper();
    const identity = createIdentityService({ store, pepper, hashing: config.keyHashing });
    const admin = new AdminService(store, pepper);
    return { store, kek, secrets, pepper, identity, admin };
  } catch (error) {
    await store.close().catch(() => {});
    throw error;
  }
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
  const metrics = createMetrics();
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
  const audit = new AuditWriter({
    store,
    regionId: config.regionId,
    queueLimit: config.audit.queueLimit,
    batchSize: config.audit.batchSize,
    flushIntervalMs: config.audit.flushIntervalMs,
    logger,
    onQueueDepth: metrics.setAuditQueueDepth,
    onWriteFailure: metrics.countAuditWriteFailure,
  });
  const authenticator: Authenticator = {
    async authenticate(token, surface) {
      const adminToken = token.startsWith('gha_');
      if (!surface.auth.includes(adminToken ? 'admin_token' : 'key'))
        return { ok: false, reason: 'credential_not_accepted' };
      return adminToken ? adminSnapshot.authenticate(token) : snapshot.authenticate(token);
    },
  };
  const authorizer = createRbacAuthorizer(() => adminSnapshot.engine, {
    tenantExists: (tenantId) => adminSnapshot.tenantExists(tenantId),
    tenantOfTeam: (teamId) => adminSnapshot.tenantOfTeam(teamId),
    teamOfKey: (keyId) => snapshot.getKey(keyId),
  });
  let shuttingDown = false;

  const app = await buildApp({
    logger,
    bodyLimitBytes: config.bodyLimitBytes,
    pipeline: {
      regionId: config.regionId,
      authenticator,
      authorizer,
      admission: options.admission ?? openAdmission,
      audit,
      metrics,
      isShuttingDown: () => shuttingDown,
    },
    ops: {
      readiness: [
        { name: 'store', check: () => store.checkReady().then(() => null) },
        {
          name: 'audit',
          check: async () => (audit.lastError ? `audit commits failing: ${audit.lastError.message}` : null),
        },
        {
          name: 'identity',
          check: async () =>
            snapshot.isFresh() && adminSnapshot.isFresh() ? null : 'identity snapshot is stale (store unreachable?)',
        },
      ],
      renderMetrics: async () => ({
        contentType: metrics.registry.contentType,
        body: await metrics.registry.metrics(),
      }),
    },
    families: options.families,
    surfaces: options.surfaces ? [...SURFACES, ...options.surfaces] : SURFACES,
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
    metrics,
    close() {
      closing ??= (async () => {
        shuttingDown = true;
        await app.close();
        await audit.close();
        snapshot.stop();
        adminSnapshot.stop();
        await store.close();
      })();
      return closing;
    },
  };
}
