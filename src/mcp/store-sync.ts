/**
 * @module Keeps an instance's MCP view in step with the shared store, so a server registered through the admin
 * API, or a team policy changed, on one instance is live on every other within one poll (DESIGN §6: the hot path
 * reads a snapshot refreshed on change, not the store). It polls the store's revision counter, as the key
 * snapshot does; when it moves, the policy cache is invalidated (see `ToolPolicyService`) and the admin-registered
 * servers are re-read and diffed into the registry. A slower full re-read backs up writes that take no revision.
 */
import type { Logger } from 'pino';
import type { SecretService } from '../secrets/index.ts';
import { currentRevision, type McpServerRecord, mcpRepository, type Store } from '../store/index.ts';
import type { HttpServerSpec, McpConfig } from './config.ts';
import type { RevisionSource } from './policy.ts';
import type { McpRegistry } from './registry.ts';

export const MCP_SECRET_OWNER_PREFIX = 'mcp:';

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
    userOAuth: null,
    timeoutMs: record.settings.timeoutMs ?? defaults.callTimeoutMs,
    maxRestarts: 5,
    era: record.settings.era ?? 'auto',
  };
}

export interface McpStoreSyncOptions {
  store: Store;
  secrets: SecretService;
  config: McpConfig;
  registry: McpRegistry;
  logger: Logger;
  /** How often the revision counter is read. */
  refreshMs: number;
  /**
   * How often the server list is re-read even when the revision did not move (default 1 s). `deleteServer` takes
   * no revision (src/store/repositories/mcp.ts), so without this a deletion would reach other instances only with
   * the next unrelated change; the list is a handful of rows, cheap to read once a second.
   */
  fullSyncMs?: number;
  /** Past this age without a successful poll the view is stale and policy reads go to the store. */
  maxStalenessMs?: number;
  /** Told when the revision moved (pins approved elsewhere are re-read). */
  onRevision?(): Promise<void>;
}

/** What an applied record looked like; a row whose fingerprint differs is reconnected with its new settings. */
function fingerprint(record: McpServerRecord): string {
  return JSON.stringify([record.transport, record.url, record.description, record.settings, record.updatedAt]);
}

export class McpStoreSync implements RevisionSource {
  readonly #options: McpStoreSyncOptions;
  readonly #applied = new Map<string, string>();
  readonly #shadowWarned = new Set<string>();
  #rev = -1;
  #refreshedAt = 0;
  #fullAt = 0;
  #chain: Promise<void> = Promise.resolve();
  #timer: NodeJS.Timeout | null = null;
  #polling = false;

  constructor(options: McpStoreSyncOptions) {
    this.#options = options;
  }

  get revision(): number {
    return this.#rev;
  }

  isFresh(now = Date.now()): boolean {
    return now - this.#refreshedAt <= (this.#options.maxStalenessMs ?? 5000);
  }

  /** Loads the admin-registered servers, then polls; the timer is unref'd and ticks never overlap. */
  async start(): Promise<void> {
    await this.sync(true);
    this.#timer = setInterval(() => {
      if (this.#polling) return;
      this.#polling = true;
      this.sync(false)
        .catch((error) => this.#options.logger.error({ err: error }, 'mcp store sync failed'))
        .finally(() => {
          this.#polling = false;
        });
    }, this.#options.refreshMs);
    this.#timer.unref();
  }

  /** Stops polling and waits for a sync in flight, so nothing reads the store after the gateway closes it. */
  async stop(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    await this.#chain;
  }

  /**
   * Applies what changed. Calls are serialised, so a forced sync after a local write (the admin API) runs after
   * any poll already in flight and is sure to read that write.
   */
  sync(force: boolean): Promise<void> {
    const run = this.#chain.then(() => this.#load(force));
    this.#chain = run.catch(() => {});
    return run;
  }

  async #load(force: boolean): Promise<void> {
    const db = this.#options.store.read;
    const now = Date.now();
    const rev = await currentRevision(db);
    const fullDue = now - this.#fullAt >= (this.#options.fullSyncMs ?? 1000);
    if (force || fullDue || rev !== this.#rev) {
      await this.#applyServers(await mcpRepository.listServers(db));
      this.#fullAt = now;
    }
    const moved = this.#rev !== -1 && rev !== this.#rev;
    this.#rev = rev;
    this.#refreshedAt = now;
    if (moved) await this.#options.onRevision?.();
  }

  async #applyServers(records: McpServerRecord[]): Promise<void> {
    const { registry, secrets, config, logger } = this.#options;
    const listed = new Set<string>();
    for (const record of records) {
      listed.add(record.id);
      const entry = registry.server(record.id);
      if (entry?.source === 'config') {
        if (!this.#shadowWarned.has(record.id)) {
          logger.warn({ mcpServer: record.id }, 'API-registered mcp server shadowed by a config server of the same id');
          this.#shadowWarned.add(record.id);
        }
        continue;
      }
      const print = fingerprint(record);
      if (entry && this.#applied.get(record.id) === print) continue;
      const spec = await specFromRecord(record, secrets, config);
      if (entry) await registry.remove(record.id);
      registry.add(spec, 'admin');
      this.#applied.set(record.id, print);
    }
    for (const entry of registry.servers()) {
      if (entry.source !== 'admin' || listed.has(entry.spec.id)) continue;
      await registry.remove(entry.spec.id);
      this.#applied.delete(entry.spec.id);
    }
  }
}
