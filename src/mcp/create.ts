/**
 * @module Wires the MCP gateway from config at startup: pin book, registry (config servers, then servers
 * registered through the admin API, whose credentials come from the secret store, kept in step with the store
 * by `McpStoreSync`), policies, session key.
 */
import { hkdfSync } from 'node:crypto';
import type { Logger } from 'pino';
import type { SecretService } from '../secrets/index.ts';
import type { Store } from '../store/index.ts';
import type { OutboundTrace } from '../telemetry/index.ts';
import type { McpConfig } from './config.ts';
import { PinBook } from './pins.ts';
import { ToolPolicyService } from './policy.ts';
import { McpRegistry, type QuarantineEvent } from './registry.ts';
import { McpService, type McpSharedState } from './service.ts';
import { SessionSealer } from './session.ts';
import { McpStoreSync } from './store-sync.ts';
import type { ToolCallObserver } from './tool-call.ts';
import { UserConnections } from './user-connections.ts';
import { userOAuthFromConfig } from './user-oauth.ts';
import { VirtualServerStore } from './virtual-servers.ts';

export interface CreateMcpServiceOptions {
  config: McpConfig;
  store: Store;
  secrets: SecretService;
  logger: Logger;
  state: McpSharedState;
  onQuarantine?(event: QuarantineEvent): void;
  /** Each tool call relayed upstream, as it ends (the tool-call duration histogram). */
  onToolCall?: ToolCallObserver;
  /** Environment a stdio server's minimal env is drawn from; defaults to `process.env`. */
  processEnv?: NodeJS.ProcessEnv;
  /** List every server's tools before resolving (default true); tests may defer it. */
  listAtStart?: boolean;
  /** How often the store's revision counter is polled for admin changes made on any instance (default 250 ms). */
  refreshMs?: number;
  /** The gateway's tracer, when traces are exported: upstream connects and lists outside a request are its roots. */
  tracer?: OutboundTrace | null;
}

/**
 * The session-sealing key is derived (HKDF, RFC 5869) from the deployment's key pepper rather than stored: every
 * instance computes the same key with no new secret to create, race over or rotate, and the label keeps it
 * independent of the pepper's own use in key hashing.
 */
async function loadSessionKey(secrets: SecretService): Promise<Buffer> {
  const pepper = await secrets.loadPepper();
  return Buffer.from(hkdfSync('sha256', pepper, Buffer.alloc(0), 'gatehouse mcp session v1', 32));
}

/** Per-user OAuth grants and connections, when a configured server uses them. */
function createUsers(options: CreateMcpServiceOptions) {
  const oauth = userOAuthFromConfig(options.config, options.store, options.secrets);
  return oauth ? { oauth, connections: new UserConnections(oauth, options.logger) } : null;
}

export async function createMcpService(options: CreateMcpServiceOptions): Promise<McpService> {
  const { config, store, secrets, logger } = options;
  const pins = new PinBook(store, config.pinning);
  await pins.load();
  let service: McpService | null = null;
  const users = createUsers(options);
  const registry = new McpRegistry({
    pins,
    logger,
    spans: options.tracer ?? null,
    processEnv: options.processEnv,
    fetchFor: (spec) => users?.connections.sharedFetch(spec.id),
    onCatalogEvent: (event) => service?.publish(event),
    onReconnected: async (server) => service?.resubscribe(server),
    onQuarantine: (event) => {
      logger.warn(
        { mcpServer: event.server, tool: event.tool, sha256: event.sha256 },
        'mcp tool definition changed: quarantined',
      );
      options.onQuarantine?.(event);
    },
  });
  for (const spec of config.servers) registry.add(spec, 'config');
  const storeSync = new McpStoreSync({
    store,
    secrets,
    config,
    registry,
    logger,
    refreshMs: options.refreshMs ?? 250,
    onRevision: () => registry.rejudge(),
  });
  await storeSync.start();
  const policies = new ToolPolicyService(store);
  policies.useRevisionSource(storeSync);
  const virtualServers = new VirtualServerStore(store, config.virtualServers);
  virtualServers.useRevisionSource(storeSync);
  service = new McpService({
    config,
    registry,
    policies,
    pins,
    sessions: new SessionSealer(await loadSessionKey(secrets)),
    state: options.state,
    virtualServers,
    storeSync,
    ...(users ? { users } : {}),
    ...(options.onToolCall ? { onToolCall: options.onToolCall } : {}),
  });
  if (options.listAtStart !== false) await registry.refreshAll();
  return service;
}
