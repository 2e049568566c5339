/**
 * @module The server registry and tool catalog: config servers (stdio and HTTP) and admin-registered HTTP
 * servers, each with its upstream connection and its last tool listing judged against the pin book. The
 * listing is refreshed on `notifications/tools/list_changed`, on demand when missing, and by `refresh()`.
 */
import type { Tool } from '@modelcontextprotocol/sdk/types.js';
import { AjvJsonSchemaValidator } from '@modelcontextprotocol/sdk/validation/ajv';
import type { JsonSchemaType, JsonSchemaValidator } from '@modelcontextprotocol/sdk/validation/types.js';
import type { Logger } from 'pino';
import type { McpServerSpec } from './config.ts';
import { McpFailure } from './errors.ts';
import type { PinBook } from './pins.ts';
import { UpstreamConnection } from './upstream.ts';

export interface CatalogTool {
  server: string;
  tool: Tool;
  sha256: string;
  status: 'approved' | 'quarantined';
}

export interface ServerEntry {
  spec: McpServerSpec;
  source: 'config' | 'admin';
  connection: UpstreamConnection;
  tools: Map<string, CatalogTool>;
  listedAt: number | null;
  lastListFailureAt: number | null;
}

export interface QuarantineEvent {
  server: string;
  tool: string;
  sha256: string;
}

export interface McpRegistryOptions {
  pins: PinBook;
  logger: Logger;
  onQuarantine(event: QuarantineEvent): void;
  processEnv?: NodeJS.ProcessEnv;
}

/** After a failed listing, requests wait this long before asking a down upstream again. */
const LIST_RETRY_MS = 5_000;

export class McpRegistry {
  private readonly entries = new Map<string, ServerEntry>();
  private readonly validators = new WeakMap<CatalogTool, JsonSchemaValidator<unknown>>();
  private readonly schemaValidators = new WeakMap<object, JsonSchemaValidator<unknown>>();
  private readonly ajv = new AjvJsonSchemaValidator();
  private readonly options: McpRegistryOptions;

  constructor(options: McpRegistryOptions) {
    this.options = options;
  }

  add(spec: McpServerSpec, source: 'config' | 'admin'): ServerEntry {
    const entry: ServerEntry = {
      spec,
      source,
      tools: new Map(),
      listedAt: null,
      lastListFailureAt: null,
      connection: new UpstreamConnection(spec, {
        logger: this.options.logger,
        processEnv: this.options.processEnv,
        onToolsChanged: (tools) => {
          this.applyTools(entry, tools).catch((error) =>
            this.options.logger.error({ err: error, mcpServer: spec.id }, 'applying changed tool list failed'),
          );
        },
        // A restarted process (or a new HTTP session) may present other definitions without ever sending
        // list_changed; re-listing re-judges every pin, so a changed tool is quarantined before its next call.
        onReconnected: () => {
          if (this.entries.get(spec.id) !== entry) return;
          this.refresh(spec.id).catch((error) =>
            this.options.logger.warn({ err: error, mcpServer: spec.id }, 'relisting after a reconnect failed'),
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

  /** Lists the upstream's tools again and re-judges every pin. */
  async refresh(id: string): Promise<ServerEntry> {
    const entry = this.entries.get(id);
    if (!entry) throw new McpFailure('mcp_server_not_found', { server: id });
    try {
      const tools = await entry.connection.listTools();
      await this.options.pins.reload(id);
      await this.applyTools(entry, tools);
      entry.lastListFailureAt = null;
    } catch (error) {
      entry.lastListFailureAt = Date.now();
      throw error;
    }
    return entry;
  }

  /** The server's catalog, listing it first if it never was (or the last attempt is old enough to retry). */
  async catalog(entry: ServerEntry): Promise<Map<string, CatalogTool>> {
    if (entry.listedAt !== null) return entry.tools;
    if (entry.lastListFailureAt !== null && Date.now() - entry.lastListFailureAt < LIST_RETRY_MS) {
      throw new McpFailure('mcp_upstream_unavailable', {
        server: entry.spec.id,
        detail: entry.connection.lastError ?? 'down',
      });
    }
    await this.refresh(entry.spec.id);
    return entry.tools;
  }

  /** Best effort at start: a server that is down is retried on first use, never fails the gateway's start. */
  async refreshAll(): Promise<void> {
    await Promise.all(
      this.servers().map((entry) =>
        this.refresh(entry.spec.id).catch((error) =>
          this.options.logger.warn({ err: error, mcpServer: entry.spec.id }, 'mcp server unavailable at start'),
        ),
      ),
    );
  }

  private async applyTools(entry: ServerEntry, tools: Tool[]): Promise<void> {
    const next = new Map<string, CatalogTool>();
    for (const tool of tools) {
      if (next.has(tool.name)) {
        this.options.logger.warn(
          { mcpServer: entry.spec.id, tool: tool.name },
          'duplicate tool name from upstream ignored',
        );
        continue;
      }
      const outcome = await this.options.pins.judge(entry.spec.id, tool);
      if (outcome.newlyQuarantined)
        this.options.onQuarantine({ server: entry.spec.id, tool: tool.name, sha256: outcome.sha256 });
      next.set(tool.name, { server: entry.spec.id, tool, sha256: outcome.sha256, status: outcome.status });
    }
    entry.tools = next;
    entry.listedAt = Date.now();
  }

  /** Validates arguments against the tool's own input schema, compiled once per listed definition. */
  validateArguments(tool: CatalogTool, args: unknown): string | null {
    let validator = this.validators.get(tool);
    if (!validator) {
      try {
        validator = this.ajv.getValidator(tool.tool.inputSchema as JsonSchemaType);
      } catch {
        return 'the tool declares an input schema that cannot be compiled';
      }
      this.validators.set(tool, validator);
    }
    const result = validator(args);
    return result.valid ? null : result.errorMessage;
  }

  /** Validates against a policy's `args_schema`; the compiled policy keeps the object, so the cache holds. */
  matchesSchema(schema: Record<string, unknown>, value: unknown): boolean {
    let validator = this.schemaValidators.get(schema);
    if (!validator) {
      try {
        validator = this.ajv.getValidator(schema as JsonSchemaType);
      } catch {
        return false;
      }
      this.schemaValidators.set(schema, validator);
    }
    return validator(value).valid;
  }

  async close(): Promise<void> {
    await Promise.all(this.servers().map((entry) => entry.connection.close()));
  }
}
