/**
 * @module The server registry and catalog: config servers (stdio and HTTP) and admin-registered HTTP servers,
 * each with its upstream connection and its last listing of tools, prompts, resources and resource templates.
 * Tools, prompts and templates are judged against the pin book (a changed definition is quarantined); the listing
 * is refreshed on a server's `list_changed`, after a reconnect, on demand when missing, and by `refresh()`.
 */
import type { FetchLike } from '@modelcontextprotocol/client';
import type { Logger } from 'pino';
import { type PinnableTool, pinKey, pinnedPromptDefinition, pinnedTemplateDefinition } from '../domain/mcp/index.ts';
import type { OutboundTrace } from '../telemetry/index.ts';
import type { McpServerSpec } from './config.ts';
import { McpFailure } from './errors.ts';
import type { PinBook } from './pins.ts';
import { type ListKind, UpstreamConnection } from './upstream.ts';
import type { JsonObject } from './wire.ts';

export type PinStatus = 'approved' | 'quarantined';

/** A listed tool: `tool` is the definition as the server sent it. */
export interface CatalogTool {
  server: string;
  tool: JsonObject & PinnableTool;
  sha256: string;
  status: PinStatus;
}

export interface CatalogPrompt {
  server: string;
  prompt: JsonObject & { name: string };
  sha256: string;
  status: PinStatus;
}

export interface CatalogTemplate {
  server: string;
  template: JsonObject & { uriTemplate: string };
  sha256: string;
  status: PinStatus;
}

export interface ServerEntry {
  spec: McpServerSpec;
  source: 'config' | 'admin';
  connection: UpstreamConnection;
  tools: Map<string, CatalogTool>;
  prompts: Map<string, CatalogPrompt>;
  templates: Map<string, CatalogTemplate>;
  resources: Array<JsonObject & { uri: string }>;
  listedAt: number | null;
  lastListFailureAt: number | null;
}

export interface QuarantineEvent {
  server: string;
  tool: string;
  sha256: string;
}

/** A catalog change clients should hear about (`notifications/*\/list_changed`, `resources/updated`). */
export type CatalogEvent = { server: string; kind: ListKind } | { server: string; kind: 'resource'; uri: string };

export interface McpRegistryOptions {
  pins: PinBook;
  logger: Logger;
  /** The gateway's tracer, for the root spans of connects and lists outside a request (null: tracing off). */
  spans?: OutboundTrace | null;
  onQuarantine(event: QuarantineEvent): void;
  onCatalogEvent?(event: CatalogEvent): void;
  /** A server reconnected (a new process or session): what the old one held, such as subscriptions, is gone. */
  onReconnected?(server: string): Promise<void>;
  processEnv?: NodeJS.ProcessEnv;
  /** The fetch a server's shared connection uses (per-user OAuth servers add the caller's token). */
  fetchFor?(spec: McpServerSpec): FetchLike | undefined;
}

/** After a failed listing, requests wait this long before asking a down upstream again. */
const LIST_RETRY_MS = 5_000;

function hasCapability(entry: ServerEntry, name: string): boolean {
  const capabilities = entry.connection.info?.capabilities ?? {};
  return capabilities[name] !== undefined;
}

export class McpRegistry {
  private readonly entries = new Map<string, ServerEntry>();
  private readonly options: McpRegistryOptions;

  constructor(options: McpRegistryOptions) {
    this.options = options;
  }

  add(spec: McpServerSpec, source: 'config' | 'admin'): ServerEntry {
    const entry: ServerEntry = {
      spec,
      source,
      tools: new Map(),
      prompts: new Map(),
      templates: new Map(),
      resources: [],
      listedAt: null,
      lastListFailureAt: null,
      connection: new UpstreamConnection(spec, {
        logger: this.options.logger,
        processEnv: this.options.processEnv,
        fetch: this.options.fetchFor?.(spec),
        spans: this.options.spans ?? null,
        onListChanged: (kind) => {
          if (this.entries.get(spec.id) !== entry) return;
          this.refresh(spec.id)
            .then(() => this.options.onCatalogEvent?.({ server: spec.id, kind }))
            .catch((error) => this.options.logger.warn({ err: error, mcpServer: spec.id }, 'relisting failed'));
        },
        onResourceUpdated: (uri) => this.options.onCatalogEvent?.({ server: spec.id, kind: 'resource', uri }),
        // A restarted process (or a new HTTP session) may present other definitions without ever sending
        // list_changed; re-listing re-judges every pin, so a changed tool is quarantined before its next call.
        onReconnected: () => {
          if (this.entries.get(spec.id) !== entry) return;
          this.refresh(spec.id).catch((error) =>
            this.options.logger.warn({ err: error, mcpServer: spec.id }, 'relisting after a reconnect failed'),
          );
          this.options
            .onReconnected?.(spec.id)
            .catch((error) =>
              this.options.logger.warn(
                { err: error, mcpServer: spec.id },
                'renewing subscriptions after a reconnect failed',
              ),
            );
        },
      }),
    };
    this.entries.set(spec.id, entry);
    return entry;
  }

  async remove(id: string): Promise<void> {
    const entry = this.entries.get(id);
    this.entries.delete(id);
    await entry?.connection.close();
  }

  servers(): ServerEntry[] {
    return [...this.entries.values()];
  }

  server(id: string): ServerEntry | undefined {
    return this.entries.get(id);
  }

  /** Lists the upstream's tools, prompts, resources and templates again and re-judges every pin. */
  async refresh(id: string): Promise<ServerEntry> {
    const entry = this.entries.get(id);
    if (!entry) throw new McpFailure('mcp_server_not_found', { server: id });
    try {
      await entry.connection.ensureClient();
      const { connection } = entry;
      const [tools, prompts, resources, templates] = await Promise.all([
        hasCapability(entry, 'tools') ? connection.listAll('tools/list', 'tools') : [],
        hasCapability(entry, 'prompts') ? connection.listAll('prompts/list', 'prompts') : [],
        hasCapability(entry, 'resources') ? connection.listAll('resources/list', 'resources') : [],
        hasCapability(entry, 'resources') ? connection.listAll('resources/templates/list', 'resourceTemplates') : [],
      ]);
      await this.options.pins.reload(id);
      await this.applyTools(entry, tools);
      await this.applyPrompts(entry, prompts);
      await this.applyTemplates(entry, templates);
      entry.resources = resources.filter((item) => typeof item.uri === 'string') as Array<JsonObject & { uri: string }>;
      entry.listedAt = Date.now();
      entry.lastListFailureAt = null;
    } catch (error) {
      entry.lastListFailureAt = Date.now();
      throw error;
    }
    return entry;
  }

  /**
   * Re-judges every cached listing against the pin book, without asking the upstreams: an approval made by another
   * instance or the CLI (which moves the store's revision) takes effect here at the next poll.
   */
  async rejudge(): Promise<void> {
    await this.options.pins.load();
    for (const entry of this.servers()) {
      if (entry.listedAt === null) continue;
      await this.applyTools(
        entry,
        [...entry.tools.values()].map((tool) => tool.tool),
      );
      await this.applyPrompts(
        entry,
        [...entry.prompts.values()].map((prompt) => prompt.prompt),
      );
      await this.applyTemplates(
        entry,
        [...entry.templates.values()].map((template) => template.template),
      );
    }
  }

  /** The server's catalog, listing it first if it never was (or the last attempt is old enough to retry). */
  async catalog(entry: ServerEntry): Promise<ServerEntry> {
    if (entry.listedAt !== null) return entry;
    if (entry.lastListFailureAt !== null && Date.now() - entry.lastListFailureAt < LIST_RETRY_MS) {
      throw new McpFailure('mcp_upstream_unavailable', {
        server: entry.spec.id,
        detail: entry.connection.lastError ?? 'down',
      });
    }
    return this.refresh(entry.spec.id);
  }

  /** Best effort at start: a server that is down is retried on first use, never fails the gateway's start. */
  async refreshAll(): Promise<void> {
    await Promise.all(
      // A per-user OAuth server has no token at start (it is listed with the first caller's grant).
      this.servers()
        .filter((entry) => entry.spec.transport === 'stdio' || entry.spec.userOAuth === null)
        .map((entry) =>
          this.refresh(entry.spec.id).catch((error) =>
            this.options.logger.warn({ err: error, mcpServer: entry.spec.id }, 'mcp server unavailable at start'),
          ),
        ),
    );
  }

  private quarantined(server: string, name: string, sha256: string): void {
    this.options.onQuarantine({ server, tool: name, sha256 });
  }

  private async applyTools(entry: ServerEntry, tools: JsonObject[]): Promise<void> {
    const next = new Map<string, CatalogTool>();
    for (const item of tools) {
      if (typeof item.name !== 'string') continue;
      const tool = item as JsonObject & PinnableTool;
      if (next.has(tool.name)) {
        this.options.logger.warn({ mcpServer: entry.spec.id, tool: tool.name }, 'duplicate tool name ignored');
        continue;
      }
      const outcome = await this.options.pins.judge(entry.spec.id, tool);
      if (outcome.newlyQuarantined) this.quarantined(entry.spec.id, tool.name, outcome.sha256);
      next.set(tool.name, { server: entry.spec.id, tool, sha256: outcome.sha256, status: outcome.status });
    }
    entry.tools = next;
  }

  private async applyPrompts(entry: ServerEntry, prompts: JsonObject[]): Promise<void> {
    const next = new Map<string, CatalogPrompt>();
    for (const item of prompts) {
      if (typeof item.name !== 'string' || next.has(item.name)) continue;
      const key = pinKey('prompt', item.name);
      const outcome = await this.options.pins.judgeDefinition(entry.spec.id, key, pinnedPromptDefinition(item));
      if (outcome.newlyQuarantined) this.quarantined(entry.spec.id, key, outcome.sha256);
      const prompt = item as JsonObject & { name: string };
      next.set(item.name, { server: entry.spec.id, prompt, sha256: outcome.sha256, status: outcome.status });
    }
    entry.prompts = next;
  }

  private async applyTemplates(entry: ServerEntry, templates: JsonObject[]): Promise<void> {
    const next = new Map<string, CatalogTemplate>();
    for (const item of templates) {
      if (typeof item.uriTemplate !== 'string' || next.has(item.uriTemplate)) continue;
      const key = pinKey('resource_template', item.uriTemplate);
      const outcome = await this.options.pins.judgeDefinition(entry.spec.id, key, pinnedTemplateDefinition(item));
      if (outcome.newlyQuarantined) this.quarantined(entry.spec.id, key, outcome.sha256);
      const template = item as JsonObject & { uriTemplate: string };
      next.set(item.uriTemplate, { server: entry.spec.id, template, sha256: outcome.sha256, status: outcome.status });
    }
    entry.templates = next;
  }

  async close(): Promise<void> {
    await Promise.all(this.servers().map((entry) => entry.connection.close()));
  }
}
