/**
 * @module Wires the MCP gateway from config at startup: pin book, registry (config servers, then servers
 * registered through the admin API, whose credentials come from the secret store), policies, session key.
 */
import { hkdfSync } from 'node:crypto';
import type { Logger } from 'pino';
import type { SecretService } from '../secrets/index.ts';
import { type McpServerRecord, mcpRepository, type Store } from '../store/index.ts';
import type { HttpServerSpec, McpConfig } from './config.ts';
import { PinBook } from './pins.ts';
import { ToolPolicyService } from './policy.ts';
import { McpRegistry, type QuarantineEvent } from './registry.ts';
import { McpService, type McpSharedState } from './service.ts';
import { SessionSealer } from './session.ts';

export const MCP_SECRET_OWNER_PREFIX = 'mcp:';

export interface CreateMcpServiceOptions {
  config: McpConfig;
  store: Store;
  secrets: SecretService;
  logger: Logger;
  state: McpSharedState;
  onQuarantine?(event: QuarantineEvent): void;
  /** Environment a stdio server's minimal env is drawn from; defaults to `process.env`. */
  processEnv?: NodeJS.ProcessEnv;
  /** List every server's tools before resolving (default true); tests may defer it. */
  listAtStart?: boolean;
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

/** The spec of an API-registered server, with its credential decrypted into the header it is sent in. */
export async function specFromRecord(
  record: McpServerRecord,
  secrets: SecretService,
  defaults: McpConfig,
): Promise<HttpServerSpec> {
  const headers: Record<string, string> = {};
  if (record.settings.hasCredential && record.settings.credentialHeader) {
    const credential = await secrets.get(`${MCP_SECRET_OWNER_PREFIX}${record.id}`, 'credential');
    if (credential) headers[record.settings.credentialHeader] = credential.toString('utf8');
  }
  return {
    id: record.id,
    description: record.description,
    transport: record.transport,
    url: record.url,
    headers,
    timeoutMs: record.settings.timeoutMs ?? defaults.callTimeoutMs,
    maxRestarts: 5,
  };
}

export async function createMcpService(options: CreateMcpServiceOptions): Promise<McpService> {
  const { config, store, secrets, logger } = options;
  const pins = new PinBook(store, config.pinning);
  await pins.load();
  const registry = new McpRegistry({
    pins,
    logger,
    processEnv: options.processEnv,
    onQuarantine: (event) => {
      logger.warn(
        { mcpServer: event.server, tool: event.tool, sha256: event.sha256 },
        'mcp tool definition changed: quarantined',
      );
      options.onQuarantine?.(event);
    },
  });
  for (const spec of config.servers) registry.add(spec, 'config');
  for (const record of await mcpRepository.listServers(store.read)) {
    if (registry.server(record.id)) {
      logger.warn({ mcpServer: record.id }, 'API-registered mcp server shadowed by a config server of the same id');
      continue;
    }
    registry.add(await specFromRecord(record, secrets, config), 'admin');
  }
  const service = new McpService({
    config,
    registry,
    policies: new ToolPolicyService(store),
    pins,
    sessions: new SessionSealer(await loadSessionKey(secrets)),
    state: options.state,
  });
  if (options.listAtStart !== false) await registry.refreshAll();
  return service;
}
